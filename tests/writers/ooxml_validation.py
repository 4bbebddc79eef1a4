"""Validate every part of a DOCX package against the OOXML transitional schemas.

The schemas are the copy in ``tests/data/ooxml_xsd/`` (see its README). Each part is
checked as Word reads it: markup in the namespaces the part lists in ``mc:Ignorable``
is removed first, and ``mc:AlternateContent`` is replaced by its ``mc:Fallback``.

Which schema checks which part:

* ``word/**.xml`` (document, styles, settings, headers, footers, font table, theme…):
  ``wordprocessingml.xsd``, whose imports also declare DrawingML (``a:theme``);
* ``[Content_Types].xml`` and every ``*.rels``: ``opc-xsd/``;
* ``docProps/app.xml``: ``shared-documentPropertiesExtended.xsd``;
* ``docProps/core.xml``: only parsed. Its schema imports the Dublin Core schemas from
  dublincore.org, which are not in the copy (no network in tests).

Other members (images) are not XML and are not checked here.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_MC_ATTRIBUTES = tuple(f"{{{MC}}}{name}" for name in ("Ignorable", "ProcessContent", "MustUnderstand"))


@dataclass(frozen=True)
class PartProblem:
    """One part that fails its schema, with the validator's first messages."""

    part: str
    messages: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.part}: " + " | ".join(self.messages)


class OoxmlSchemas:
    """The compiled schemas (compiling takes about a second: build one per session)."""

    def __init__(self, folder: Path):
        def load(name: str) -> etree.XMLSchema:
            return etree.XMLSchema(etree.parse(str(folder / name)))

        self.wordprocessing = load("wordprocessingml.xsd")
        self.content_types = load("opc-xsd/opc-contentTypes.xsd")
        self.relationships = load("opc-xsd/opc-relationships.xsd")
        self.extended_properties = load("shared-documentPropertiesExtended.xsd")

    def schema_for(self, part: str) -> etree.XMLSchema | None:
        """Return the schema that checks ``part``, or None for a part only parsed or not XML."""
        if part == "[Content_Types].xml":
            return self.content_types
        if part.endswith(".rels"):
            return self.relationships
        if part.startswith("word/") and part.endswith(".xml"):
            return self.wordprocessing
        if part == "docProps/app.xml":
            return self.extended_properties
        return None

    def check_part(self, name: str, data: bytes) -> PartProblem | None:
        """Return the problem of part ``name``, or None when it is valid or has no schema.

        Raises ``lxml.etree.XMLSyntaxError`` for an XML part that is not well-formed.
        """
        schema = self.schema_for(name)
        if schema is None:
            if name.endswith(".xml"):
                etree.fromstring(data)  # at least well-formed
            return None
        if schema.validate(as_word_reads_it(etree.fromstring(data))):
            return None
        return PartProblem(name, tuple(f"ligne {e.line} : {e.message}" for e in list(schema.error_log)[:3]))

    def check_package(self, package: bytes | Path) -> tuple[list[str], list[PartProblem]]:
        """Return (names of the parts validated, problems) for a DOCX given as bytes or a path."""
        source = io.BytesIO(package) if isinstance(package, bytes) else package
        validated, problems = [], []
        with zipfile.ZipFile(source) as archive:
            for name in archive.namelist():
                problem = self.check_part(name, archive.read(name))
                if self.schema_for(name) is not None:
                    validated.append(name)
                if problem is not None:
                    problems.append(problem)
        return validated, problems


def as_word_reads_it(root: etree._Element) -> etree._Element:
    """Return ``root`` without its ignorable markup and with alternate content resolved."""
    for alternate in list(root.iter(f"{{{MC}}}AlternateContent")):
        fallback = alternate.find(f"{{{MC}}}Fallback")
        for child in list(fallback if fallback is not None else ()):
            alternate.addprevious(child)
        alternate.getparent().remove(alternate)
    ignorable: set[str] = set()
    for element in root.iter():
        prefixes = element.get(f"{{{MC}}}Ignorable") if isinstance(element.tag, str) else None
        ignorable.update(element.nsmap[p] for p in (prefixes or "").split() if p in element.nsmap)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).namespace in ignorable and element.getparent() is not None:
            element.getparent().remove(element)
            continue
        for attribute in list(element.attrib):
            if attribute in _MC_ATTRIBUTES or etree.QName(attribute).namespace in ignorable:
                del element.attrib[attribute]
    return root
