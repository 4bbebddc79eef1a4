"""template stage of lettergen: sandboxed Jinja templates that write letter markup.

::

    from lettergen.template import load_template, check_template, render_letter
    template = load_template("relance", "templates")
    letter = render_letter(template, recipient, date(2021, 7, 1))
"""

from lettergen.template.diff import diff_letters
from lettergen.template.render import (
    LetterTemplate,
    TemplateProblems,
    VariantInfo,
    check_template,
    list_variants,
    load_template,
    render_letter,
    render_markup,
)
from lettergen.template.vocabulary import (
    STANDARD_FIGURES,
    VARIABLES,
    CampaignSettings,
    build_context,
    load_campaign_settings,
)

__all__ = [
    "CampaignSettings",
    "LetterTemplate",
    "STANDARD_FIGURES",
    "TemplateProblems",
    "VARIABLES",
    "VariantInfo",
    "build_context",
    "check_template",
    "diff_letters",
    "list_variants",
    "load_campaign_settings",
    "load_template",
    "render_letter",
    "render_markup",
]
