"""Trimming a reply to its new text: separators, history lines, mobile signatures."""

import pytest
from desk_mail_ingest.domain.replies import SIGNATURE_LINES, latest_reply


def test_an_rfc3676_separator_cuts_whatever_follows() -> None:
    text = "Fixed now.\n-- \n" + "\n".join(f"line {n}" for n in range(20))

    assert latest_reply(text) == "Fixed now."


def test_a_bare_dash_line_before_a_short_signature_cuts_it() -> None:
    assert latest_reply("Thanks\n--\nJane Doe\nACME Ltd\n+49 30 1234") == "Thanks"


def test_a_bare_dash_line_before_more_text_is_a_divider_and_stays() -> None:
    rest = [f"step {n}" for n in range(1, SIGNATURE_LINES + 2)]
    text = "\n".join(["What I tried:", "--", *rest])

    assert latest_reply(text) == text


def test_a_gmail_history_line_wrapped_over_two_lines_still_ends_the_reply() -> None:
    text = (
        "Sigue sin funcionar.\n\nEl mar, 3 dic 2024 a las 10:00, Soporte (<\n"
        "soporte@desk.example>) escribió:\n> ¿Funciona ya?"
    )

    assert latest_reply(text) == "Sigue sin funcionar."


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my iPhone",
        "Sent from my Android",
        "Sent from my Samsung Galaxy smartphone.",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Get Outlook for Android",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
        "Enviado do meu iPhone",
        "Inviato da iPhone",
    ],
)
def test_a_mobile_signature_at_the_end_is_dropped(signature: str) -> None:
    assert latest_reply(f"The screen is black.\n\n{signature}\n") == (
        "The screen is black."
    )


def test_a_sentence_that_starts_like_a_mobile_signature_is_kept() -> None:
    text = "Hello,\n\nSent from my phone, the printer is still broken."

    assert latest_reply(text) == text


@pytest.mark.parametrize(
    "history",
    [
        "Op ma 2 dec. 2024 om 10:00 schreef Support <support@desk.example>:",
        "Op ma 2 dec. 2024 om 10:00 schreef Support <\nsupport@desk.example>:",
        "Op 2 december 2024 10:00 heeft Support het volgende geschreven:",
        "El lun, 2 dic 2024 a las 10:00, Soporte (<soporte@desk.example>) escribió:",
        "Il giorno lun 2 dic 2024 alle ore 10:00 Supporto <s@desk.example> ha scritto:",
        "Il giorno lun 2 dic 2024 alle ore 10:00 Supporto <\ns@desk.it> ha scritto:",
    ],
)
def test_dutch_spanish_and_italian_history_lines_end_the_reply(history: str) -> None:
    text = f"Still broken.\n\n{history}\n> Is it solved?\n> Regards"

    assert latest_reply(text) == "Still broken."


def test_dutch_prose_that_mentions_writing_is_kept() -> None:
    text = "Op zich is dat goed, schreef ik al:\nmaar nu niet meer."

    assert latest_reply(text) == text
