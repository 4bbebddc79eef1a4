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
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

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
    root = etree.fromstring(xml)
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
