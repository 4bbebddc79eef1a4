"""A person's surname as a French letter prints it: in capitals, its particle in lowercase.

« Maël de CALAN », « Christophe de BALORRE », « Jean d’ORMESSON », « Vincent van GOGH »:
the nobiliary particle (de, d’, du, des, de la, de l’) and the Dutch and German ones
(van, von, van der, von der…) stay lowercase before a surname in capitals, as French
typography writes them after a first name (Lexique des règles typographiques en usage à
l'Imprimerie nationale, « particule », and Lacroux, *Orthotypographie*, « particule »: to
check there). « Le », « La », « Les » are part of the name (« Christophe LE DORVEN »,
« Jean de LA FONTAINE ») and stay capitals. A surname that is only a particle (« DES »)
is left as it is.
"""

from __future__ import annotations

import re

_PARTICLE = re.compile(
    r"^(?:de\s+l['’]\s*|d['’]\s*|(?:de\s+la|van\s+der|van\s+den|von\s+der|de|du|des|van|von)\s+)",
    re.IGNORECASE,
)


def surname(nom: str) -> str:
    """Return ``nom`` in capitals with its leading particle in lowercase, apostrophes typographic.

    >>> surname("DE CALAN"), surname("d'Ormesson"), surname("LE DORVEN"), surname("de la Tour")
    ('de CALAN', 'd’ORMESSON', 'LE DORVEN', 'de la TOUR')
    """
    text = " ".join(nom.split()).upper().replace("'", "’")
    match = _PARTICLE.match(text)
    if match is None or not any(c.isalpha() for c in text[match.end() :]):
        return text
    particle = " ".join(match.group(0).lower().split())
    if not particle.endswith("’"):
        particle += " "
    return particle + text[match.end() :]
