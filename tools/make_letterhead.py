"""Build ``templates/papier_en_tete.docx``, the letterhead users edit in Word.

Run ``python tools/make_letterhead.py [output]``. The document is built with
python-docx, then slimmed: python-docx's default template carries about 790 KB of
style XML (``stylesWithEffects.xml``, 160 unused styles, latent styles) that every
letter would otherwise copy. The result is byte-identical from run to run.

Layout (A4, margins 2.5 cm left, 2 cm right): header with a logo placeholder and
the federation's name, footer with address, contact and page number; named
paragraph styles (``LG …``) that :class:`lettergen.writers.docx.DocxWriter` uses.
The recipient block is indented to 11.2 cm from the left edge and starts about
4.5 cm from the top, for a DL (110 × 220 mm) window envelope.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from lettergen.writers.letterhead import letter_settings

FONT = "Liberation Serif"  # fonts-liberation2: has U+202F, ’, « », €, œ
FEDERATION = "Fédération exemple des acteurs sociaux et médico-sociaux"
ADDRESS = "12\u00a0rue de l’Exemple – 75000 Paris"
CONTACT = "01\u00a023\u00a045\u00a067\u00a089 – contact@federation-exemple.org"

PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
LEFT_MARGIN, RIGHT_MARGIN = Cm(2.5), Cm(2.0)
TOP_MARGIN, BOTTOM_MARGIN = Cm(2.6), Cm(2.0)
ADDRESS_LEFT = Cm(11.2)  # from the page edge: DL window envelope

# name → (base size pt, alignment, left indent, space before pt, space after pt, keep with next)
STYLES = {
    "LG Expéditeur": (9, WD_ALIGN_PARAGRAPH.LEFT, None, 0, 0, True),
    "LG Destinataire": (11, WD_ALIGN_PARAGRAPH.LEFT, ADDRESS_LEFT - LEFT_MARGIN, 26, 0, True),
    "LG Lieu et date": (11, WD_ALIGN_PARAGRAPH.RIGHT, None, 30, 0, True),
    "LG Objet": (11, WD_ALIGN_PARAGRAPH.LEFT, None, 24, 0, True),
    "LG Appel": (11, WD_ALIGN_PARAGRAPH.LEFT, None, 24, 12, True),
    "LG Corps": (11, WD_ALIGN_PARAGRAPH.JUSTIFY, None, 0, 8, False),
    "LG Formule": (11, WD_ALIGN_PARAGRAPH.JUSTIFY, None, 8, 8, True),
    "LG Signature": (11, WD_ALIGN_PARAGRAPH.LEFT, ADDRESS_LEFT - LEFT_MARGIN, 18, 48, False),
    "LG Mentions": (9, WD_ALIGN_PARAGRAPH.LEFT, None, 6, 0, False),
}
# Styles whose lines never hyphenate (w:suppressAutoHyphens): the address must read as La Poste
# prints it, and a cut word in a date, an objet, a signature or the header looks careless. The body
# (« LG Corps ») and the closing formula (« LG Formule ») are justified and hyphenate.
UNHYPHENATED = (
    "LG Expéditeur",
    "LG Destinataire",
    "LG Lieu et date",
    "LG Objet",
    "LG Appel",
    "LG Signature",
    "LG Mentions",
    "Header",
    "Footer",
)
# Children of w:pPr that follow w:suppressAutoHyphens (CT_PPrBase in the OOXML schema, wml.xsd).
_AFTER_SUPPRESS_HYPHENS = (
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
KEPT_STYLES = {
    "normal",
    "default paragraph font",
    "normal table",
    "no list",
    "header",
    "footer",
    "header char",
    "footer char",
    *(n.lower() for n in STYLES),
}
DROPPED_PARTS = (
    "word/stylesWithEffects.xml",
    "word/webSettings.xml",
    "word/numbering.xml",
    "docProps/thumbnail.jpeg",
    "customXml/",
)
FIXED_DATE = "2024-01-01T00:00:00Z"
FIELD_MARK = "§FIELD§"


def build() -> bytes:
    """Return the slimmed letterhead as .docx bytes."""
    document = Document()
    _page_setup(document)
    _base_style(document)
    for name, spec in STYLES.items():
        _add_style(document, name, *spec)
    for name in UNHYPHENATED:
        _suppress_hyphens(document.styles[name])
    _header(document)
    _footer(document)
    _core_properties(document)
    _sample_body(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return _slim(buffer.getvalue())


def _page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin, section.right_margin = LEFT_MARGIN, RIGHT_MARGIN
    section.top_margin, section.bottom_margin = TOP_MARGIN, BOTTOM_MARGIN
    section.header_distance, section.footer_distance = Cm(1.0), Cm(0.9)


def _set_fonts(rpr_owner) -> None:
    fonts = rpr_owner.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attribute), None)


def _base_style(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    _set_fonts(normal.element)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), 1.0
    fmt.widow_control = True
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "fr-FR")
    normal.element.get_or_add_rPr().append(language)
    for name in ("Header", "Footer"):
        document.styles[name].font.size = Pt(8)
        document.styles[name].font.color.rgb = RGBColor(0x40, 0x40, 0x40)


def _add_style(document, name, size, alignment, indent, before, after, keep_next) -> None:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    fmt = style.paragraph_format
    fmt.alignment = alignment
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.keep_with_next = keep_next
    if indent is not None:
        fmt.left_indent = indent
    if name == "LG Corps":
        fmt.first_line_indent = Cm(1.0)


def _suppress_hyphens(style) -> None:
    """Mark ``style`` « no automatic hyphenation » (python-docx has no API for it)."""
    properties = style.element.get_or_add_pPr()
    properties.insert_element_before(OxmlElement("w:suppressAutoHyphens"), *_AFTER_SUPPRESS_HYPHENS)


def _header(document) -> None:
    header = document.sections[0].header
    table = header.add_table(1, 2, PAGE_WIDTH - LEFT_MARGIN - RIGHT_MARGIN)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    logo, name = table.rows[0].cells
    logo.width, name.width = Cm(4.0), Cm(12.5)
    placeholder = logo.paragraphs[0].add_run("[logo]")
    placeholder.italic = True
    placeholder.font.color.rgb = RGBColor(0x99, 0x99, 0x99)
    title = name.paragraphs[0]
    title.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = title.add_run(FEDERATION)
    run.bold, run.font.size, run.font.small_caps = True, Pt(11), True
    run.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
    header.paragraphs[0].paragraph_format.space_after = Pt(0)


def _footer(document) -> None:
    footer = document.sections[0].footer
    first = footer.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first.add_run(f"{FEDERATION} – {ADDRESS}")
    second = footer.add_paragraph(style=document.styles["Footer"])
    second.alignment = WD_ALIGN_PARAGRAPH.CENTER
    second.add_run(f"{CONTACT} – page ")
    _field(second, "PAGE", "1")
    second.add_run("/")
    _field(second, "NUMPAGES", "1")


def _field(paragraph, instruction: str, shown: str) -> None:
    """Add a run that :func:`_add_fields` turns into a field (python-docx has no field API)."""
    paragraph.add_run(f"{FIELD_MARK}{instruction}|{shown}")


def _core_properties(document) -> None:
    props = document.core_properties
    props.title = "Papier à en-tête"
    props.author = props.last_modified_by = FEDERATION
    props.comments = "Modifiez en-tête, pied de page et styles « LG … » ; lettergen les reprend."
    props.revision = 1


def _sample_body(document) -> None:
    document.add_paragraph(
        "Le texte des lettres remplace ce paragraphe ; seuls l’en-tête, le pied de page, "
        "les marges et les styles « LG … » de ce document sont repris.",
        "LG Corps",
    )


def _slim(package: bytes) -> bytes:
    """Drop unused parts and styles, fix dates, and rezip deterministically."""
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            name = info.filename
            if name.startswith(DROPPED_PARTS):
                continue
            data = source.read(name)
            if name.endswith(".rels") or name == "[Content_Types].xml":
                data = _drop_references(data)
            elif name == "word/styles.xml":
                data = _prune_styles(data)
            elif name == "word/settings.xml":
                data = _prune_settings(data)
            elif name == "docProps/core.xml":
                data = _fix_dates(data)
            elif name.startswith(("word/footer", "word/header")):
                data = _add_fields(data)
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def _serialize(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_references(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for child in list(root):
        target = (child.get("Target") or child.get("PartName") or "").lstrip("/")
        target = target.removeprefix("../")
        if target and (target.startswith(DROPPED_PARTS) or f"word/{target}".startswith(DROPPED_PARTS)):
            root.remove(child)
    return _serialize(root)


def _prune_styles(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for latent in root.findall(qn("w:latentStyles")):
        root.remove(latent)
    for style in root.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is None or name.get(qn("w:val")).lower() not in KEPT_STYLES:
            root.remove(style)
    for element in root.iter(qn("w:rsid")):
        element.getparent().remove(element)
    # The document's default language too, not only Normal's: French hyphenation everywhere.
    for language in root.find(qn("w:docDefaults")).iter(qn("w:lang")):
        language.set(qn("w:val"), "fr-FR")
    return _serialize(root)


def _prune_settings(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for tag in ("w:rsids", "w:attachedTemplate", "w:proofState", "w:savePreviewPicture"):
        for element in root.findall(qn(tag)):
            root.remove(element)
    language = root.find(qn("w:themeFontLang"))
    if language is not None:
        language.set(qn("w:val"), "fr-FR")
    return letter_settings(_serialize(root))


def _add_fields(data: bytes) -> bytes:
    """Wrap each marked run in a ``w:fldSimple`` showing its placeholder value."""
    root = etree.fromstring(data)
    for text in list(root.iter(qn("w:t"))):
        if not (text.text or "").startswith(FIELD_MARK):
            continue
        instruction, shown = text.text[len(FIELD_MARK) :].split("|")
        text.text = shown
        run = text.getparent()
        field = etree.Element(qn("w:fldSimple"))
        field.set(qn("w:instr"), f" {instruction} ")
        run.addprevious(field)
        field.append(run)
    return _serialize(root)


def _fix_dates(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for element in root:
        if element.tag.endswith(("}created", "}modified")):
            element.text = FIXED_DATE
    return _serialize(root)


def main(argv: list[str]) -> int:
    """Write the letterhead to ``argv[0]`` (default: ``templates/papier_en_tete.docx``)."""
    default = Path(__file__).resolve().parent.parent / "templates" / "papier_en_tete.docx"
    path = Path(argv[0]) if argv else default
    path.write_bytes(build())
    print(f"{path} : {path.stat().st_size} octets")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
