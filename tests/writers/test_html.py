"""The HTML writer: the same words as the text writer, every text escaped."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from lettergen.letter import Letter, Paragraph, Run, Signatory
from lettergen.writers.html import PAGE_CSS, render_html, render_html_document
from lettergen.writers.text import render_text


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Collect:
    collector = _Collect()
    # « 1<sup>er</sup> » reads « 1er », as the text writer writes it.
    collector.feed(html.replace("</p>", " </p>").replace("<sup>", "").replace("</sup>", ""))
    return collector


def letter(name: str = "MARTIN", body: tuple[Paragraph, ...] | None = None) -> Letter:
    return Letter(
        recipient_id="33",
        objet="Conséquences du Ségur",
        appel="Madame la Présidente,",
        body=body
        or (Paragraph((Run("Un "), Run("mot", bold=True), Run(" en "), Run("italique", italic=True))),),
        closing="Nous vous prions d'agréer, Madame la Présidente, …",
        signatories=(Signatory("Jeanne MARTIN", "Présidente", "Fédération exemple"),),
        sender=("Fédération exemple", "75000 Paris"),
        address=("Conseil départemental de la Gironde", f"Madame Claire {name}", "33074 BORDEAUX CEDEX"),
        place_date="Paris, le 1er juillet 2021",
        attachments="note",
        copies="préfet",
    )


def test_the_html_says_the_words_of_the_text_writer_in_its_order():
    example = letter()
    assert " ".join(parse(render_html(example)).text).split() == render_text(example).split()


def test_emphasis_becomes_strong_and_em():
    html = render_html(letter())
    assert "<strong>mot</strong>" in html and "<em>italique</em>" in html


@given(st.text(min_size=1, max_size=40))
def test_recipient_data_is_always_escaped(name):
    example = letter(name=name, body=(Paragraph.plain(name),))
    collected = parse(render_html(example))
    assert "script" not in collected.tags and "img" not in collected.tags
    assert " ".join(collected.text).split() == render_text(example).split()


def test_a_hostile_name_stays_text():
    html = render_html(letter(name='<script>alert("x")</script>'))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_document_carries_its_page_css():
    page = render_html_document(letter(), title="Lettre <33>")
    assert PAGE_CSS in page and "<title>Lettre &lt;33&gt;</title>" in page and "width: 210mm" in PAGE_CSS


def test_first_of_the_month_in_superscript():
    """« 1er » has its « er » raised in HTML, as in the DOCX; the text writer keeps « 1er »."""
    example = letter()
    assert '<p class="lettre-date">Paris, le 1<sup>er</sup> juillet 2021</p>' in render_html(example)
    assert "Paris, le 1er juillet 2021" in render_text(example)


def test_shared_organisation_said_once_over_its_signatories():
    """Two signatories of one federation: its name once, over both columns, then room to sign."""
    shared = Signatory("Jeanne MARTIN", "Présidente", "Fédération exemple")
    other = Signatory("Karim BENSAÏD", "Directeur général", "Fédération exemple")
    html = render_html(replace(letter(), signatories=(shared, other)))
    assert html.count("Fédération exemple</p>") == 2  # the sender block and one signature organisation
    assert '<div class="lettre-signataires colonnes-2"><p class="organisation sur-2">' in html
    text = render_text(replace(letter(), signatories=(shared, other)))
    assert "Fédération exemple\nJeanne MARTIN\nPrésidente\n\nKarim BENSAÏD\nDirecteur général" in text
    assert "margin-top: 26mm" in PAGE_CSS
