"""Draw the 述职评议 ribbon tab from the add-in's customUI XML (no Excel here): a picture
for docs/install.md. Needs Pillow and a CJK font (fc-match finds one).

    python docs/render_ribbon.py            # writes docs/img/ribbon.png
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from defusedxml import ElementTree
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.build import customui_xml  # noqa: E402

NS = "{http://schemas.microsoft.com/office/2006/01/customui}"


def font(size: int) -> ImageFont.FreeTypeFont:
    """A font that has Chinese: the first of fontconfig's fonts for zh."""
    listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
    files = sorted(line.split(":")[0].strip() for line in listing.splitlines() if line.strip())
    preferred = [f for f in files if "Sans" in f] or files
    if not preferred:
        raise SystemExit("no Chinese font (Debian: fonts-noto-cjk)")
    return ImageFont.truetype(preferred[0], size)


def main() -> None:
    ui = ElementTree.fromstring(customui_xml())
    [tab] = ui.iter(f"{NS}tab")
    groups = [(g.get("label"), [(b.get("label"), b.get("imageMso")) for b in g.iter(f"{NS}button")])
              for g in tab.iter(f"{NS}group")]
    button_w, pad = 96, 10
    width = sum(len(buttons) * button_w + 2 * pad for _, buttons in groups) + pad
    image = Image.new("RGB", (width, 170), "#F3F3F3")
    draw = ImageDraw.Draw(image)
    big, small = font(15), font(12)
    for x, label in ((10, "文件"), (70, "开始"), (130, "插入"), (190, tab.get("label"))):
        if label == tab.get("label"):
            draw.rectangle((x - 8, 4, x + 70, 32), fill="white", outline="#C8C8C8")
            draw.text((x, 10), label, fill="#217346", font=big)
        else:
            draw.text((x, 10), label, fill="#444444", font=big)
    draw.rectangle((0, 32, width, 169), fill="white", outline="#C8C8C8")
    x = pad
    for label, buttons in groups:
        for k, (text, icon) in enumerate(buttons):
            left = x + pad + k * button_w
            draw.rounded_rectangle((left + 28, 44, left + 68, 84), radius=6, fill="#E8F1EC", outline="#217346")
            draw.text((left + 48, 64), icon[:2], fill="#217346", font=small, anchor="mm")
            draw.text((left + button_w // 2 - 4, 104), text, fill="#222222", font=small, anchor="mm")
        group_w = len(buttons) * button_w + 2 * pad
        draw.text((x + group_w // 2, 150), label, fill="#666666", font=small, anchor="mm")
        draw.line((x + group_w, 40, x + group_w, 160), fill="#D8D8D8")
        x += group_w
    out = ROOT / "docs" / "img" / "ribbon.png"
    image.save(out)
    print(out.relative_to(ROOT))


if __name__ == "__main__":
    main()
