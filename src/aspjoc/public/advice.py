"""What the portal tells the public: crime type names and practical advice, marked for translation."""

from __future__ import annotations

from aspjoc.intel.models import CrimeType
from aspjoc.public.languages import N_, gettext

CRIME_LABELS: dict[str, str] = {
    CrimeType.PHISHING: N_("Phishing (fake log-in pages and messages)"),
    CrimeType.INVESTMENT_SCAM: N_("Investment scam"),
    CrimeType.ROMANCE_SCAM: N_("Romance scam"),
    CrimeType.BEC: N_("Business e-mail fraud"),
    CrimeType.INFOSTEALER: N_("Password-stealing software"),
    CrimeType.RANSOMWARE: N_("Ransomware"),
    CrimeType.SEXTORTION: N_("Sextortion"),
    CrimeType.MONEY_MULE: N_("Money mule account"),
    CrimeType.MALWARE: N_("Malicious software"),
    CrimeType.BOTNET: N_("Botnet"),
    CrimeType.ONLINE_FRAUD: N_("Online shopping or payment fraud"),
    CrimeType.OTHER: N_("Other scam"),
}

NOT_SAFE = N_("Not reported does not mean safe: scammers change numbers, accounts and links all the time.")
NOT_REPORTED = N_("Never share one-time codes or passwords, and do not send money to someone you know only online.")
REPORTED = N_("This has been reported in scams. Do not send money or personal details, and stop contact. "
              "If you have already paid, call your bank now and report the scam.")

_MALWARE = N_("Do not install apps or files from this source, and have your phone or computer checked.")
CRIME_ADVICE: dict[str, str] = {
    CrimeType.PHISHING: N_("Do not enter passwords, card numbers or one-time codes on this site."),
    CrimeType.INVESTMENT_SCAM: N_("High, guaranteed returns are a sign of fraud."),
    CrimeType.ROMANCE_SCAM: N_("Be wary of an online partner who asks for money."),
    CrimeType.BEC: N_("Confirm any change of bank details by calling a number you already know."),
    CrimeType.INFOSTEALER: _MALWARE,
    CrimeType.RANSOMWARE: _MALWARE,
    CrimeType.MALWARE: _MALWARE,
    CrimeType.BOTNET: _MALWARE,
    CrimeType.SEXTORTION: N_("Do not pay. Keep the messages and ask the police for help."),
    CrimeType.MONEY_MULE: N_("Do not receive or pass on money for others: it is a crime."),
    CrimeType.ONLINE_FRAUD: N_("Pay only through trusted platforms; deals that look too good usually are."),
}


def crime_label(code: str, lang: str) -> str:
    """The reader's-language name of crime type ``code`` (the code itself when unknown)."""
    label = CRIME_LABELS.get(code)
    return gettext(lang, label) if label else code


def advice(reported: bool, crime_types: list[str], lang: str) -> str:
    """Practical advice in ``lang`` as one paragraph (see ``advice_lines``)."""
    return " ".join(advice_lines(reported, crime_types, lang))


def advice_lines(reported: bool, crime_types: list[str], lang: str) -> list[str]:
    """Advice sentences in ``lang``: for a reported value the general warning, then one line per distinct
    crime-type advice; for an unreported one, the reminder that "not reported" does not mean safe.
    """
    if not reported:
        return [gettext(lang, NOT_SAFE), gettext(lang, NOT_REPORTED)]
    lines = [gettext(lang, REPORTED)]
    for code in crime_types:
        extra = CRIME_ADVICE.get(code)
        if extra and gettext(lang, extra) not in lines:
            lines.append(gettext(lang, extra))
    return lines
