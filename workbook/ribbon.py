"""The ribbon's buttons as data: the add-in's customUI, the ribbon's entry points and the
assistant's steps all read this one list."""
from __future__ import annotations

# Button tag -> (label on the ribbon, what it does). The add-in's customUI is made from this.
BUTTONS: dict[str, tuple[str, str]] = {
    "check": ("检查数据", "检查整个工作簿，列出所有问题并标出单元格"),
    "prepare": ("生成评议票", "按述职人 × 评议项目生成评议票表头"),
    "prepare_totals": ("生成计票录入表", "唱票计票时用：按评议人类别 × 述职人 × 评议项目生成计票录入表，只录入汇总票数"),
    "tally": ("计票汇总", "计票、排名、评定等次，结果写入本工作簿"),
    "import_comments": ("导入点评", "从点评讲话稿导入点评"),
    "rectify": ("生成整改清单", "把点评中的问题逐条列入整改清单"),
    "notices": ("生成通知", "生成反馈意见和结果通报（公文格式）"),
    "progress": ("整改进度", "统计整改进度和逾期事项"),
    "mail": ("发送邮件", "把各自的反馈意见发给述职人"),
}
