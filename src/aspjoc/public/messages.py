"""Error messages for the public, in the reader's language, for the domain errors the portal raises."""

from __future__ import annotations

from aspjoc.errors import AspjocError, InvalidObservable, RateLimited
from aspjoc.public import query
from aspjoc.public.languages import N_, gettext

RATE_LIMITED = N_("Too many requests from your connection. Please wait %(seconds)s seconds and try again.")
FORM_EXPIRED = N_("The form expired. Please send it again.")
NOT_RECOGNISED = N_("We could not recognise this. Enter a phone number, bank account, e-wallet or crypto wallet, "
                    "link or e-mail address; for a local phone number, choose its country.")
CHECK_FIELD = N_("Please check this field.")
_BY_REASON = {
    query.ONE_PER_REQUEST: N_("Check one value at a time; lists are not accepted."),
    query.EMPTY: N_("Enter a phone number, bank account, wallet, link or e-mail address to check."),
    query.TOO_LONG: N_("This is too long. Check one value at a time."),
    query.WILDCARD: N_("Wildcards such as * are not accepted. Enter one whole value."),
    query.RANGE: N_("Address ranges are not accepted. Check one address."),
}
_BY_FIELD = {
    "country": N_("Choose a country from the list."),
    "narrative": N_("Please say briefly what happened."),
    "occurred_on": N_("Enter a date that is not in the future."),
    "amount": N_("Enter the amount as a number, for example 2500.50."),
    "currency": N_("Choose the currency of the amount."),
    "crime_type": N_("Choose a kind of scam from the list."),
    "contact_email": N_("Enter a valid e-mail address."),
    "bank_code": N_("Give both the bank code and the account number, or leave both empty."),
    "account_number": N_("Give both the bank code and the account number, or leave both empty."),
    "reason": N_("Please say why the listing is wrong."),
    "contact": N_("Give an e-mail address or phone number so the reviewers can reach you."),
}


def friendly(error: AspjocError, lang: str) -> str:
    """One sentence in ``lang`` that tells the reader what to do about ``error``."""
    if isinstance(error, RateLimited):
        return gettext(lang, RATE_LIMITED) % {"seconds": error.retry_after}
    if error.reason in _BY_REASON:
        return gettext(lang, _BY_REASON[error.reason])
    if isinstance(error, InvalidObservable) or error.field == "q":
        return gettext(lang, NOT_RECOGNISED)
    message = _BY_FIELD.get(error.field)
    return gettext(lang, message) if message else gettext(lang, CHECK_FIELD)
