"""公文 (GB/T 9704-2012) notices and bulletin: the docxtpl templates and their rendering.

The templates are ordinary Word files with Jinja tags, built here with python-docx and
shipped in templates/ so a clerk can restyle them in Word; a template of the same name
beside the workbook wins over the shipped one, which wins over the one built in memory.

Layout: A4; margins top 37, bottom 35, left 28, right 26 mm; 22 lines (16 pt 仿宋 on a
28.95 pt line grid; 156 mm holds 27.6 characters of 16 pt, so a line has 27 unless the
font is condensed in Word); a red 发文机关标志 and red separator line; the title in
2号 (22 pt) 小标宋, falling back to fonts that exist; headings 一、 in 黑体 and （一） in
楷体; page numbers "— 1 —" in 4号 宋体.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
NOTICE_TEMPLATE = "通知模板.docx"
RATE_HEADER = "好评率"          # the bulletin column dropped when 通报显示好评率 is 否
BULLETIN_TEMPLATE = "通报模板.docx"

RED = "FF0000"
BODY_PT, TITLE_PT, MASTHEAD_PT, PAGE_NUMBER_PT = 16, 22, 30, 14
LINE_PITCH_PT = 28.95          # 225 mm of text height / 22 lines
FONT_CHOICES = {   # the official font first; the Noto fonts are what a Linux box has
    "title": ("方正小标宋简体", "方正小标宋_GBK", "华文中宋", "宋体", "Noto Serif CJK SC"),
    "body": ("仿宋_GB2312", "仿宋", "FangSong", "宋体", "Noto Serif CJK SC"),
    "heading": ("黑体", "SimHei", "Noto Sans CJK SC"),
    "subheading": ("楷体_GB2312", "楷体", "KaiTi", "宋体", "Noto Serif CJK SC"),
    "number": ("宋体", "SimSun", "Noto Serif CJK SC"),
}
# The order of a paragraph's properties in WordprocessingML (ECMA-376 CT_PPr).
PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
             "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
             "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
             "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
             "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
             "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
# Font files by family name, for telling what a Windows PC has installed.
_FONT_FILES = {
    "方正小标宋简体": ("fzxbsjw.ttf", "方正小标宋简体.ttf"), "方正小标宋_GBK": ("fzxbsk.ttf",),
    "华文中宋": ("stzhongs.ttf",), "宋体": ("simsun.ttc",), "SimSun": ("simsun.ttc",),
    "仿宋_GB2312": ("simfang_gb2312.ttf", "仿宋_gb2312.ttf", "fs_gb2312.ttf"), "仿宋": ("simfang.ttf",),
    "FangSong": ("simfang.ttf",), "黑体": ("simhei.ttf",), "SimHei": ("simhei.ttf",),
    "楷体_GB2312": ("simkai_gb2312.ttf", "楷体_gb2312.ttf", "kai_gb2312.ttf"), "楷体": ("simkai.ttf",),
    "KaiTi": ("simkai.ttf",),
}


def installed_fonts() -> set[str] | None:
    """Family names (or Windows font file names) on this PC; None when it cannot tell."""
    fonts_dir = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
    if sys.platform == "win32" and fonts_dir.is_dir():
        return {p.name.lower() for p in fonts_dir.iterdir()}
    if shutil.which("fc-list"):
        try:
            listing = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        return {name.strip() for line in listing.splitlines() for name in line.split(",")}
    return None


def pick_font(role: str, available: set[str] | None) -> str:
    """The first font of the role that is installed; the official one when we cannot tell
    or none is (Word then substitutes, and the clerk can restyle the template)."""
    choices = FONT_CHOICES[role]
    if available is None:
        return choices[0]
    for name in choices:
        if name in available or any(f in available for f in _FONT_FILES.get(name, ())):
            return name
    return choices[0]


# --- building the templates ---------------------------------------------------------------------
def _set_fonts(run_or_style, name: str) -> None:
    from docx.oxml.ns import qn

    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _ppr_child(paragraph, tag: str, attributes: dict[str, str]):
    """A pPr child inserted where the schema wants it (Word rejects them out of order)."""
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    child = ppr.makeelement(qn(tag), {qn(k): v for k, v in attributes.items()})
    ppr.insert_element_before(child, *PPR_ORDER[PPR_ORDER.index(tag) + 1:])
    return child


def _first_line_indent(paragraph, chars: int = 2) -> None:
    """Two characters of the body size: firstLine for every reader, firstLineChars for Word."""
    from docx.oxml.ns import qn

    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLine"), str(chars * BODY_PT * 20))
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def _red_rule(paragraph) -> None:
    from docx.oxml.ns import qn

    borders = _ppr_child(paragraph, "w:pBdr", {})
    bottom = borders.makeelement(qn("w:bottom"), {qn("w:val"): "single", qn("w:sz"): "18",
                                                   qn("w:space"): "1", qn("w:color"): RED})
    borders.append(bottom)


def _rule(paragraph, top: bool = True, bottom: bool = True) -> None:
    from docx.oxml.ns import qn

    borders = _ppr_child(paragraph, "w:pBdr", {})
    for side, wanted in (("w:top", top), ("w:bottom", bottom)):
        if wanted:
            borders.append(borders.makeelement(qn(side), {qn("w:val"): "single", qn("w:sz"): "8",
                                                          qn("w:space"): "1", qn("w:color"): "000000"}))


def _page_number_footer(section, font: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in ("— ", None, " —"):
        run = footer.add_run(text or "")
        run.font.size = Pt(PAGE_NUMBER_PT)
        _set_fonts(run, font)
        if text is None:
            begin = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): "begin"})
            instr = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            instr.text = " PAGE "
            end = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): "end"})
            run._r.append(begin)
            run._r.append(instr)
            run._r.append(end)


def _page_setup(document) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Mm

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    sectpr = section._sectPr
    grid = sectpr.find(qn("w:docGrid"))
    if grid is None:
        grid = sectpr.makeelement(qn("w:docGrid"), {})
        sectpr.append(grid)
    # A line grid only: a character grid of 28 per line would need a pitch below 16 pt, which
    # Word condenses but LibreOffice (our PDF converter) turns into 14 characters a line.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))


def _default_size(document) -> None:
    """The document default size is the body size: the character grid's pitch is read
    relative to it by LibreOffice and WPS (Word reads the Normal style)."""
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        element = rpr.find(qn(tag))
        if element is None:
            element = rpr.makeelement(qn(tag), {})
            rpr.append(element)
        element.set(qn("w:val"), str(BODY_PT * 2))


def _off_grid(style) -> None:
    """Lines larger or smaller than the body line keep their own spacing instead of
    snapping to two grid lines (the 2号 title would otherwise float apart)."""
    from docx.oxml.ns import qn

    ppr = style.element.get_or_add_pPr()
    child = ppr.makeelement(qn("w:snapToGrid"), {qn("w:val"): "0"})
    ppr.insert_element_before(child, *PPR_ORDER[PPR_ORDER.index("w:snapToGrid") + 1:])


def _styles(document, fonts: dict[str, str]) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    _default_size(document)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal, fonts["body"])
    layout = normal.paragraph_format
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = Pt(LINE_PITCH_PT)
    layout.space_before = layout.space_after = Pt(0)

    def style(name: str, font: str, size: float, bold=False, centre=False, colour: str | None = None):
        made = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        made.base_style = normal
        made.font.size = Pt(size)
        made.font.bold = bold
        _set_fonts(made, font)
        if colour:
            made.font.color.rgb = RGBColor.from_string(colour)
        if centre:
            made.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return made

    masthead = style("公文发文机关标志", fonts["title"], MASTHEAD_PT, centre=True, colour=RED)
    masthead.paragraph_format.line_spacing = Pt(MASTHEAD_PT * 1.4)
    _off_grid(masthead)
    style("公文发文字号", fonts["body"], BODY_PT, centre=True)
    title = style("公文标题", fonts["title"], TITLE_PT, centre=True)
    title.paragraph_format.line_spacing = Pt(35)
    _off_grid(title)
    style("公文一级标题", fonts["heading"], BODY_PT)
    style("公文二级标题", fonts["subheading"], BODY_PT)
    style("公文正文", fonts["body"], BODY_PT)
    table = style("公文表格", fonts["body"], 12, centre=True)
    table.paragraph_format.line_spacing = Pt(20)
    _off_grid(table)
    style("公文版记", fonts["body"], 14)


def _para(document, text: str, style: str, indent: bool = False, right: bool = False):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = document.add_paragraph(text, style=style)
    if indent:
        _first_line_indent(paragraph)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return paragraph


def _front_matter(document) -> None:
    _para(document, "{%p if copy_number %}", "公文正文")
    _para(document, "{{ copy_number }}", "公文正文")
    _para(document, "{%p endif %}", "公文正文")
    _para(document, "{%p if secret_mark %}", "公文正文")
    _para(document, "{{ secret_mark }}", "公文一级标题")
    _para(document, "{%p endif %}", "公文正文")
    _para(document, "{{ masthead }}", "公文发文机关标志")
    _para(document, "{{ doc_number }}", "公文发文字号")
    _red_rule(_para(document, "", "公文正文"))
    _para(document, "", "公文正文")
    _para(document, "{{ title }}", "公文标题")
    _para(document, "", "公文正文")
    _para(document, "{{ addressee }}", "公文正文")
    _para(document, "{{ intro }}", "公文正文", indent=True)


def _loop(document, items: str, style: str = "公文正文") -> None:
    _para(document, f"{{%p for text in {items} %}}", style)
    _para(document, "{{ text }}", style, indent=True)
    _para(document, "{%p endfor %}", style)


def _table(document, headers: Sequence[str], cells: Sequence[str], rows: str, widths_mm: Sequence[float]) -> None:
    """A header row, then a docxtpl row loop: "{%tr for … %}" and "{%tr endfor %}" sit in
    rows of their own around the row that is repeated."""
    from docx.shared import Mm

    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    content = {0: headers, 1: [f"{{%tr for row in {rows} %}}"], 2: cells, 3: ["{%tr endfor %}"]}
    for r, texts in content.items():
        for col, text in enumerate(texts):
            paragraph = table.cell(r, col).paragraphs[0]
            paragraph.text = text
            paragraph.style = "公文表格"
            if r == 0:
                paragraph.runs[0].bold = True
    table.autofit = False
    for col, width in enumerate(widths_mm):
        table.columns[col].width = Mm(width)      # the grid: what LibreOffice and WPS read
        for r in range(4):
            table.cell(r, col).width = Mm(width)  # the cells: what Word reads


def _signature(document) -> None:
    _para(document, "", "公文正文")
    _para(document, "", "公文正文")
    _para(document, "{{ organizer }}", "公文正文", right=True)
    _para(document, "{{ issue_date }}", "公文正文", right=True)
    _para(document, "{{ contact }}", "公文正文", indent=True)
    _para(document, "", "公文正文")
    _para(document, "{%p if cc %}", "公文版记")
    _rule(_para(document, "抄送：{{ cc }}", "公文版记"), top=True, bottom=False)
    _para(document, "{%p endif %}", "公文版记")
    _rule(_para(document, "{{ print_organ }}　　　　　　　　{{ issue_date }}印发", "公文版记"))


def build_template(kind: str, fonts: dict[str, str] | None = None) -> bytes:
    """The default notice ("notice") or bulletin ("bulletin") template as .docx bytes."""
    import docx

    fonts = fonts or {role: choices[0] for role, choices in FONT_CHOICES.items()}
    document = docx.Document()
    _page_setup(document)
    _styles(document, fonts)
    _page_number_footer(document.sections[0], fonts["number"])
    document.core_properties.title = "述职评议反馈意见" if kind == "notice" else "述职评议结果通报"
    document.core_properties.author = "shuping"
    _front_matter(document)
    if kind == "notice":
        # every section but the result is printed only when it has content; the headings
        # come numbered from the context (一、二、… as printed), so no heading is left empty
        _para(document, "{{ headings.result }}", "公文一级标题", indent=True)
        _para(document, "{{ result_text }}", "公文正文", indent=True)
        for key in ("achievements", "problems", "expectations"):
            _para(document, f"{{%p if {key} %}}", "公文正文")
            _para(document, f"{{{{ headings.{key} }}}}", "公文一级标题", indent=True)
            _loop(document, key)
            _para(document, "{%p endif %}", "公文正文")
        _para(document, "{%p if rectify_rows %}", "公文正文")
        _para(document, "{{ headings.rectify }}", "公文一级标题", indent=True)
        _para(document, "{{ rectify_text }}", "公文正文", indent=True)
        _para(document, "整改问题清单如下：", "公文正文", indent=True)   # one sub-item: no （一）
        _table(document, ("问题编号", "问题描述", "整改时限", "整改状态"),
               ("{{ row.id }}", "{{ row.problem }}", "{{ row.deadline }}", "{{ row.status }}"),
               "rectify_rows", (20, 86, 30, 20))
        _para(document, "{%p endif %}", "公文正文")
    else:
        _para(document, "{{ result_text }}", "公文正文", indent=True)
        _bulletin_table(document)
        _para(document, "{{ closing }}", "公文正文", indent=True)
    _signature(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _bulletin_table(document) -> None:
    _table(document, ("序号", "党组织", "姓名", "等次", RATE_HEADER),
           ("{{ row.n }}", "{{ row.organization }}", "{{ row.name }}", "{{ row.grade }}", "{{ row.rate }}"),
           "rows", (16, 80, 24, 18, 18))


# --- rendering --------------------------------------------------------------------------------------
def find_template(name: str, beside: Path | None) -> Path | None:
    """A clerk's template beside the workbook, else the shipped one; None = build it."""
    for folder in (beside, TEMPLATE_DIR):
        if folder is not None and (folder / name).is_file():
            return folder / name
    return None


TEMPLATE_MAX_TEXT = 1_000_000       # characters one template expression may make (a notice has some thousands)
TEMPLATE_MAX_OUTPUT = 20_000_000    # characters one template may make in all
TEMPLATE_MAX_RANGE = 10_000         # items of range() in a template
_FORMAT_WIDTH = __import__("re").compile(r"%[-+ #0]*(?:\*|(\d+))?(?:\.(\*|\d+))?")


def _bounded_environment():
    """Jinja's sandbox, with bounds: `*`, `**` and `%` refuse results over TEMPLATE_MAX_TEXT
    (`'ab' * 3000000000` would take all the memory), range() stops at TEMPLATE_MAX_RANGE,
    and the whole output at TEMPLATE_MAX_OUTPUT. Over a bound: a SecurityError (refused)."""
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    def too_big() -> SecurityError:
        return SecurityError("template result too large")

    def size(value) -> int:
        return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0

    class Bounded(SandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "%"])

        def call_binop(self, context, operator, left, right):
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if size(seq) or isinstance(seq, (str, bytes, list, tuple)):
                        if isinstance(times, int) and size(seq) * max(times, 0) > TEMPLATE_MAX_TEXT:
                            raise too_big()
                if isinstance(left, int) and isinstance(right, int) and \
                        left.bit_length() + right.bit_length() > 4 * TEMPLATE_MAX_TEXT:
                    raise too_big()
            elif operator == "**":
                if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and \
                        (right > 100_000 or left.bit_length() * right > 4 * TEMPLATE_MAX_TEXT):
                    raise too_big()
            elif operator == "%" and isinstance(left, str):
                for match in _FORMAT_WIDTH.finditer(left):
                    if "*" in match.group(0) or any(g and g.isdigit() and int(g) > TEMPLATE_MAX_TEXT
                                                    for g in match.groups()):
                        raise too_big()
            result = super().call_binop(context, operator, left, right)
            if size(result) > TEMPLATE_MAX_TEXT:
                raise too_big()
            return result

    def bounded_range(*args):
        if len(range(*args)) > TEMPLATE_MAX_RANGE:
            raise too_big()
        return range(*args)

    def bounded_concat(parts) -> str:
        out, total = [], 0
        for part in parts:
            total += len(part)
            if total > TEMPLATE_MAX_OUTPUT:
                raise too_big()
            out.append(part)
        return "".join(out)

    def bounded_center(value, width=80):
        if isinstance(width, int) and width > TEMPLATE_MAX_TEXT:
            raise too_big()
        return str(value).center(width)

    environment = Bounded(autoescape=True)
    environment.globals["range"] = bounded_range
    environment.concat = bounded_concat      # type: ignore[method-assign]
    environment.filters["center"] = bounded_center
    return environment


def render(template: Path | bytes, context: dict[str, Any], drop_columns: Sequence[str] = ()) -> bytes:
    """Fill a template; the clerk's text is escaped (an "&" or "<" stays text). Table
    columns headed by a text in `drop_columns` are removed afterwards (the bulletin's
    好评率 when 参数设置 says 否), so one template serves both."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    from ..errors import TemplateRefused

    where = "内置模板" if isinstance(template, bytes) else f"模板“{template}”"
    source = io.BytesIO(template) if isinstance(template, bytes) else str(template)
    # Templates are data: rendered in Jinja's sandbox (no attribute a template must not reach,
    # no call into Python), with the clerk's text escaped as XML, and with bounds on size.
    tail = "无法使用，未写出任何文件。请在 Word 中改正，或换用 templates/ 中的模板"
    try:
        document = DocxTemplate(source)
        document.render(context, jinja_env=_bounded_environment(), autoescape=True)
    except SecurityError as exc:
        if "too large" in str(exc):
            raise TemplateRefused(f"{where}中的 {{{{ … }}}} 或 {{% … %}} 标记会生成过长的内容（超过 "
                                  f"{TEMPLATE_MAX_TEXT:,} 字或循环超过 {TEMPLATE_MAX_RANGE:,} 次），{tail}") from None
        raise TemplateRefused(f"{where}中有不允许的模板代码（试图访问程序内部的属性或函数），已拒绝使用，"
                              "未写出任何文件。请删去其中 {{ … }} 里的这部分，或换用 templates/ 中的模板") from None
    except TemplateSyntaxError as exc:
        near = f"（第 {exc.lineno} 行附近）" if getattr(exc, "lineno", None) else ""
        raise TemplateRefused(f"{where}中的 {{{{ … }}}} 或 {{% … %}} 标记写得不对{near}，{tail}") from None
    except UndefinedError:
        raise TemplateRefused(f"{where}中的 {{{{ … }}}} 或 {{% … %}} 标记用了不存在的名称或属性，{tail}") from None
    except TemplateError:
        raise TemplateRefused(f"{where}中的 {{{{ … }}}} 或 {{% … %}} 标记写得不对，{tail}") from None
    except RecursionError:
        raise TemplateRefused(f"{where}中的 {{{{ … }}}} 或 {{% … %}} 标记无休止地调用自身，{tail}") from None
    except MemoryError:
        raise TemplateRefused(f"{where}中的 {{{{ … }}}} 或 {{% … %}} 标记会生成过长的内容，{tail}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError):
        # 1/0, an int added to a text, a missing key… raised while the template runs
        raise TemplateRefused(f"{where}中的 {{{{ … }}}} 或 {{% … %}} 标记无法计算（如除以 0、文字与数字相加），"
                              f"{tail}") from None
    for table in document.docx.tables if drop_columns else ():
        headers = [cell.text.strip() for cell in table.rows[0].cells]
        for header in drop_columns:
            if header in headers:
                _drop_column(table, headers.index(header))
                headers = [cell.text.strip() for cell in table.rows[0].cells]
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def stable_zip(data: bytes) -> bytes:
    """The same document gives the same bytes (no time stamps in the zip), so a mail
    attachment's SHA-256 changes only when its content does."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info))
    return buffer.getvalue()


def _drop_column(table, index: int) -> None:
    from docx.oxml.ns import qn

    grid = table._tbl.tblGrid
    columns = grid.findall(qn("w:gridCol"))
    removed = columns[index]
    grid.remove(removed)
    if columns:
        keep = columns[1] if index != 1 and len(columns) > 1 else columns[0]
        keep.set(qn("w:w"), str(int(keep.get(qn("w:w"), "0")) + int(removed.get(qn("w:w"), "0"))))
    for row in table.rows:
        cells = row._tr.findall(qn("w:tc"))
        if index < len(cells):
            row._tr.remove(cells[index])


def missing_font_substitutes(available: set[str] | None) -> dict[str, str]:
    """{official font: installed fallback} for the roles whose official font is missing."""
    if available is None:
        return {}
    mapping = {}
    for role, choices in FONT_CHOICES.items():
        picked = pick_font(role, available)
        if picked != choices[0]:
            mapping[choices[0]] = picked
    return mapping


def substitute_fonts(data: bytes, mapping: dict[str, str]) -> bytes:
    """The rendered document with missing fonts replaced by installed fallbacks."""
    if not mapping:
        return data
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in ("word/document.xml", "word/styles.xml"):
                text = content.decode("utf-8")
                for old, new in mapping.items():
                    text = text.replace(f'="{old}"', f'="{new}"')
                content = text.encode("utf-8")
            target.writestr(info, content)
    return stable_zip(buffer.getvalue())


def main(folder: str = "templates") -> None:
    """Write the shipped templates (official font names): python -m workbook.io.gongwen_docx templates"""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for name, kind in ((NOTICE_TEMPLATE, "notice"), (BULLETIN_TEMPLATE, "bulletin")):
        (target / name).write_bytes(build_template(kind))
        print(target / name)


def convert_to_pdf(files: Sequence[Path], out_dir: Path) -> tuple[list[Path], str]:
    """PDF copies with LibreOffice (any OS); ([], why) when it is not there."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return [], "未找到 LibreOffice（或 Word），未生成 PDF 副本；安装 LibreOffice 后重新运行即可得到 PDF"
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(out_dir),
                               *map(str, files)], check=True, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        return [], f"LibreOffice 转换 PDF 失败（{exc}），未生成 PDF 副本"
    made = [out_dir / (f.stem + ".pdf") for f in files]
    present = [p for p in made if p.exists()]
    if len(present) == len(made):
        return present, ""
    # exit 0 yet no PDF: LibreOffice without Writer ("source file could not be loaded"), or a locked profile
    said = (done.stdout or b"").decode("utf-8", "replace") + (done.stderr or b"").decode("utf-8", "replace")
    missing = f"{len(made) - len(present)} 份（共 {len(made)} 份）"
    if "could not be loaded" in said:
        why = "LibreOffice 缺少文字处理组件（libreoffice-writer），无法打开 .docx；安装后重新运行即可得到 PDF"
    else:
        reason = " ".join(said.split())[:200]
        why = ("LibreOffice 没有生成 PDF" + (f"（{reason}）" if reason else "")
               + "；可能缺少文字处理组件（libreoffice-writer），或另一个 LibreOffice 正在运行，关闭后重新运行")
    return present, f"未生成 PDF：{missing}，{why}"


if __name__ == "__main__":  # pragma: no cover
    main(*sys.argv[1:2])
