"""The letterhead's package parts as every letter copies them.

A letterhead comes from our builder (``tools/make_letterhead.py``), from Word or from
LibreOffice. Its header, footer, images, styles and relationships are copied into each
letter untouched; only ``word/settings.xml`` is adjusted, once per run:

* ``w:zoom`` gets the ``w:percent`` the OOXML schema requires (``CT_Zoom`` in
  ``wml.xsd``): python-docx's default template, and so letterheads built from it,
  write ``<w:zoom w:val="bestFit"/>`` alone, which Word tolerates but a validator or a
  document-management system rejects;
* a letterhead that says nothing of hyphenation (no ``w:autoHyphenation``) gets ours:
  the letters are justified French text, and justified text that does not hyphenate
  shows stretched spaces (measured in ``tests/writers/test_letterhead_hyphenation.py``). Ours is
  :data:`HYPHENATION`: a hyphenation zone of 0.8 cm and at most two hyphenated lines
  in a row, no cut in words in capitals (EHPAD, CEDEX). Paragraphs that must not
  hyphenate (address, date, objet, signatures) say so in their style
  (``w:suppressAutoHyphens`` in the « LG … » styles of the letterhead). A letterhead
  that has ``w:autoHyphenation`` keeps its own settings, ``w:val="false"`` included.

Nothing a letter should not carry to an official is copied (:func:`read_letterhead`): the zip
is read bounded and without DTD (:mod:`lettergen.read.package`); a letterhead with macros,
embedded objects or ActiveX controls is refused, naming the part (code has no place in a
letter and cannot be taken out without changing what the document does: the user saves it
again as a plain .docx); external links are taken out with a warning naming them, because Word
adds them to innocent letterheads: a hyperlink (the federation's web site in the footer) keeps
its text without the link, an attached template (Word records ``Normal.dotm`` or a remote
template, which Word would fetch) is dropped from the settings. Any other external
relationship (a linked image, a remote frame) is refused.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from lettergen.errors import LetterheadError, Problem
from lettergen.read.limits import shown
from lettergen.read.package import BoundedZip, PackageError, safe_xml_parser
from lettergen.read.regular import NotRegular

SETTINGS_PART = "word/settings.xml"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_SL = "http://schemas.openxmlformats.org/schemaLibrary/2006/main"
_ZOOM_PERCENT = "100"  # Word's own value for « 100 % »; bestFit still decides when present

# (element, w:val or None), in CT_Settings order. Zone 454 twips (0.8 cm), measured on the
# 90 letters of the five shipped templates in LibreOffice 7.4: widest inter-word gap 4.81 pt
# (8.23 pt unhyphenated), a third of full lines hyphenated, never more than two in a row;
# Word's default zone (360 twips) gives 4.6 pt but hyphenates 46 % of lines, three in a row.
# Two in a row: French usage tolerates three at most (Lexique des règles typographiques en
# usage à l'Imprimerie nationale, « coupure des mots »; to check there). Word reads the three
# settings; LibreOffice 7.4 ignores the limit (measured: a limit of 1 changes nothing).
HYPHENATION = (
    ("autoHyphenation", None),
    ("consecutiveHyphenLimit", "2"),
    ("hyphenationZone", "454"),
    ("doNotHyphenateCaps", None),
)

# The children of w:settings in the order the schema requires (CT_Settings is a sequence,
# wml.xsd). LibreOffice 7.4 writes w:doNotHyphenateCaps before w:hyphenationZone: a letterhead
# it saved is put back in order, else every letter would carry an invalid settings part.
_SETTINGS_ORDER = {
    name if name.startswith("{") else f"{{{_W}}}{name}": index
    for index, name in enumerate(
        (
            "writeProtection",
            "view",
            "zoom",
            "removePersonalInformation",
            "removeDateAndTime",
            "doNotDisplayPageBoundaries",
            "displayBackgroundShape",
            "printPostScriptOverText",
            "printFractionalCharacterWidth",
            "printFormsData",
            "embedTrueTypeFonts",
            "embedSystemFonts",
            "saveSubsetFonts",
            "saveFormsData",
            "mirrorMargins",
            "alignBordersAndEdges",
            "bordersDoNotSurroundHeader",
            "bordersDoNotSurroundFooter",
            "gutterAtTop",
            "hideSpellingErrors",
            "hideGrammaticalErrors",
            "activeWritingStyle",
            "proofState",
            "formsDesign",
            "attachedTemplate",
            "linkStyles",
            "stylePaneFormatFilter",
            "stylePaneSortMethod",
            "documentType",
            "mailMerge",
            "revisionView",
            "trackRevisions",
            "doNotTrackMoves",
            "doNotTrackFormatting",
            "documentProtection",
            "autoFormatOverride",
            "styleLockTheme",
            "styleLockQFSet",
            "defaultTabStop",
            "autoHyphenation",
            "consecutiveHyphenLimit",
            "hyphenationZone",
            "doNotHyphenateCaps",
            "showEnvelope",
            "summaryLength",
            "clickAndTypeStyle",
            "defaultTableStyle",
            "evenAndOddHeaders",
            "bookFoldRevPrinting",
            "bookFoldPrinting",
            "bookFoldPrintingSheets",
            "drawingGridHorizontalSpacing",
            "drawingGridVerticalSpacing",
            "displayHorizontalDrawingGridEvery",
            "displayVerticalDrawingGridEvery",
            "doNotUseMarginsForDrawingGridOrigin",
            "drawingGridHorizontalOrigin",
            "drawingGridVerticalOrigin",
            "doNotShadeFormData",
            "noPunctuationKerning",
            "characterSpacingControl",
            "printTwoOnOne",
            "strictFirstAndLastChars",
            "noLineBreaksAfter",
            "noLineBreaksBefore",
            "savePreviewPicture",
            "doNotValidateAgainstSchema",
            "saveInvalidXml",
            "ignoreMixedContent",
            "alwaysShowPlaceholderText",
            "doNotDemarcateInvalidXml",
            "saveXmlDataOnly",
            "useXSLTWhenSaving",
            "saveThroughXslt",
            "showXMLTags",
            "alwaysMergeEmptyNamespace",
            "updateFields",
            "hdrShapeDefaults",
            "footnotePr",
            "endnotePr",
            "compat",
            "docVars",
            "rsids",
            f"{{{_M}}}mathPr",
            "attachedSchema",
            "themeFontLang",
            "clrSchemeMapping",
            "doNotIncludeSubdocsInStats",
            "doNotAutoCompressPictures",
            "forceUpgrade",
            "captions",
            "readModeInkLockDown",
            "smartTagType",
            f"{{{_SL}}}schemaLibrary",
            "shapeDefaults",
            "doNotEmbedSmartTags",
            "decimalSymbol",
            "listSeparator",
        )
    )
}


_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# (what the part is, in French, and how to find it): a letterhead holding one is refused.
_REFUSED_PARTS = (
    ("des macros", ("vbaproject.bin", "vbadata.xml", "vbaprojectsignature")),
    ("un objet incorporé", ("/embeddings/", "oleobject")),
    ("un contrôle ActiveX", ("/activex/",)),
)
_REFUSED_TYPES = (
    ("des macros", ("macroenabled", "vbaproject", "vbadata")),
    ("un objet incorporé", ("oleobject", "embeddedpackage")),
    ("un contrôle ActiveX", ("activex",)),
)
_HYPERLINK = f"{_R}/hyperlink"
_ATTACHED_TEMPLATE = f"{_R}/attachedTemplate"


@dataclass(frozen=True)
class Letterhead:
    """The letterhead's parts as letters copy them, and what was taken out (warnings)."""

    parts: dict[str, bytes]
    removed: tuple[str, ...]

    def package(self) -> bytes:
        """The cleaned parts as a zip again, for python-docx (styles, properties)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for name, data in self.parts.items():
                archive.writestr(name, data)
        return buffer.getvalue()

    def warnings(self, path: str | os.PathLike[str]) -> list[Problem]:
        return [Problem(str(path), None, f"papier à en-tête : {what}") for what in self.removed]


def read_letterhead(path: str | os.PathLike[str]) -> Letterhead:
    """Read, check and clean the letterhead; raise :class:`LetterheadError` (in French) if refused."""
    name = str(path)
    try:
        with BoundedZip.from_path(path) as archive:
            _refuse_active_parts(archive.namelist(), name)  # by name first: never parse them
            members = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except NotRegular as error:
        if error.reason == "fichier introuvable":
            raise LetterheadError("papier à en-tête introuvable", file=name) from None
        raise LetterheadError(f"papier à en-tête illisible : {error.reason}", file=name) from None
    except PackageError as error:
        raise LetterheadError(f"papier à en-tête {error.verdict} : {error}", file=name) from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise LetterheadError(
            f"papier à en-tête illisible (document Word .docx attendu) : {error}", file=name
        ) from None
    _refuse_active_content(members, name)
    try:
        removed = _remove_external_links(members, name)
        parts = parts_for_letters(members)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise LetterheadError(
            f"papier à en-tête illisible (document Word .docx attendu) : {error}", file=name
        ) from None
    return Letterhead(parts, tuple(removed))


def _refuse_active_parts(parts: list[str], name: str) -> None:
    """Macros, embedded objects, ActiveX: refused by part name."""
    for part in parts:
        lowered = "/" + part.lower()
        for what, marks in _REFUSED_PARTS:
            if any(mark in lowered for mark in marks):
                raise LetterheadError(_refusal(what, part), file=name)


def _refuse_active_content(members: Mapping[str, bytes], name: str) -> None:
    """Macros, embedded objects, ActiveX: refused by content type (a part may be named anything)."""
    types = members.get("[Content_Types].xml", b"")
    for element in etree.fromstring(types, safe_xml_parser()).iter() if types else ():
        content_type = (element.get("ContentType") or "").lower()
        for what, marks in _REFUSED_TYPES:
            if any(mark in content_type for mark in marks):
                part = element.get("PartName") or f"*.{element.get('Extension')}"
                raise LetterheadError(_refusal(what, part.lstrip("/")), file=name)


def _refusal(what: str, part: str) -> str:
    return (
        f"papier à en-tête refusé : il contient {what} (partie « {part} ») ; retirez-les et "
        "enregistrez-le au format « Document Word (.docx) »"
    )


def _remove_external_links(members: dict[str, bytes], name: str) -> list[str]:
    """Take every external relationship out (hyperlinks unwrapped, attached template dropped).

    Any other external relationship is refused. A part without one is left byte for byte.
    """
    removed: list[str] = []
    for rels_name in [n for n in members if n.endswith(".rels")]:
        root = etree.fromstring(members[rels_name], safe_xml_parser())
        external = [r for r in root if (r.get("TargetMode") or "").lower() == "external"]
        if not external:
            continue
        source = _source_part(rels_name)
        for relation in external:
            kind, target = relation.get("Type") or "", shown(relation.get("Target") or "")
            if kind == _HYPERLINK and source in members:
                members[source] = _unwrap_hyperlinks(members[source], relation.get("Id") or "")
                removed.append(f"lien externe retiré de « {source} » (« {target} ») ; son texte reste")
            elif kind == _ATTACHED_TEMPLATE and source == SETTINGS_PART and source in members:
                members[source] = _without_attached_template(members[source])
                removed.append(f"modèle attaché retiré (« {target} »)")
            else:
                raise LetterheadError(
                    f"papier à en-tête refusé : relation externe vers « {target} » "
                    f"(partie « {rels_name} ») ; retirez l'élément lié",
                    file=name,
                )
            root.remove(relation)
        members[rels_name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    settings = members.get(SETTINGS_PART, b"")
    if b"attachedTemplate" in settings and not any(r.startswith("modèle attaché") for r in removed):
        members[SETTINGS_PART] = _without_attached_template(settings)
        removed.append("modèle attaché retiré")
    return removed


def _source_part(rels_name: str) -> str:
    """``word/_rels/footer1.xml.rels`` → ``word/footer1.xml``."""
    folder, _, file = rels_name.rpartition("_rels/")
    return folder + file.removesuffix(".rels")


def _unwrap_hyperlinks(xml: bytes, relation_id: str) -> bytes:
    """The part with each ``w:hyperlink`` to ``relation_id`` replaced by its runs; other uses dropped."""
    root = etree.fromstring(xml, safe_xml_parser())
    for element in list(root.iter()):
        if element.get(f"{{{_R}}}id") != relation_id or element.getparent() is None:
            continue
        parent = element.getparent()
        if element.tag == f"{{{_W}}}hyperlink":
            index = parent.index(element)
            parent[index : index + 1] = list(element)
        else:  # a:hlinkClick and friends: an attribute-only pointer to the link
            parent.remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_attached_template(xml: bytes) -> bytes:
    root = etree.fromstring(xml, safe_xml_parser())
    for element in root.findall(f"{{{_W}}}attachedTemplate"):
        root.remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def parts_for_letters(members: Mapping[str, bytes]) -> dict[str, bytes]:
    """Return the letterhead's parts (name → bytes, order kept) as the letters copy them."""
    parts = dict(members)
    if SETTINGS_PART in parts:
        parts[SETTINGS_PART] = letter_settings(parts[SETTINGS_PART])
    return parts


def letter_settings(xml: bytes) -> bytes:
    """Return ``word/settings.xml`` valid (``w:zoom``, order) and, unless it has its own, our hyphenation.

    Returns ``xml`` itself when nothing needs to change, so a letterhead that is already
    right is copied byte for byte. Raises ``lxml.etree.XMLSyntaxError`` on a broken part.
    """
    root = etree.fromstring(xml, safe_xml_parser())
    changed = False
    for zoom in root.iterchildren(f"{{{_W}}}zoom"):
        if zoom.get(f"{{{_W}}}percent") is None:
            zoom.set(f"{{{_W}}}percent", _ZOOM_PERCENT)
            changed = True
    if root.find(f"{{{_W}}}autoHyphenation") is None:
        for tag, value in HYPHENATION:
            if root.find(f"{{{_W}}}{tag}") is None:
                element = etree.SubElement(root, f"{{{_W}}}{tag}")
                if value is not None:
                    element.set(f"{{{_W}}}val", value)
        changed = True
    changed = _put_in_schema_order(root) or changed
    if not changed:
        return xml
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _put_in_schema_order(root: etree._Element) -> bool:
    """Sort the children of w:settings as CT_Settings orders them; return whether any moved.

    An element the schema does not list (w14:…, w15:… extensions) keeps its place after the
    listed element it follows.
    """
    children = list(root)
    keys, last = [], -1
    for child in children:
        last = _SETTINGS_ORDER.get(child.tag, last) if isinstance(child.tag, str) else last
        keys.append(last)
    order = sorted(range(len(children)), key=keys.__getitem__)
    if order == list(range(len(children))):
        return False
    root[:] = [children[i] for i in order]
    return True
