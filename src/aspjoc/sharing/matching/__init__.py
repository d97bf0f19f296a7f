"""Private hit/no-hit matching: "does anyone else hold this phone number, account, wallet, e-mail or IP?"

How it works
------------
The platform (the hub's instance) holds the community keys: random 256-bit HMAC-SHA256 keys,
versioned in ``matching_keys``; only the newest unretired version is in use. The index
``matching_index`` maps HMAC(key, "<type>:<canonical value>") to the organisations holding a
current statement on that identifier, whatever its marking; it is refreshed incrementally from
statements before every query, and rebuilt whole when the key rotates (the old versions are retired
and their entries dropped). The index never holds a bare hash of a value.

An organisation asks with values (``POST /api/v1/match {"values": [...]}``, or the console page
/match) or, from a national node that must not send the value, with HMACs computed locally under
the current key (``{"hmacs": [...], "key_version": n}``); a node's administrator fetches the key
with ``GET /api/v1/match/key`` (admin tokens only, audited) and computes
``HMAC-SHA256(key, "<type>:<canonical value>")`` in lower-case hex, canonicalising with aspjoc's
own rules (``aspjoc.observables.canonicalise``) so both sides hash the same text. HMACs made under a
retired key are refused with a message that says to fetch the new key.

The answer per item is only hit or no-hit, where a hit means another organisation holds it (the
asker's own holdings do not count), plus, for a hit, an offer: a signed token that opens requests
for information to the holders (``POST /api/v1/match/request``, through
``aspjoc.intel.correlation.requests``), without telling the asker who or how many they are.
Holders whose marking carries the ``notify_owner`` handling code are told who asked, at once.

Threat model
------------
* Trusted: the platform operator (the hub) with the keys and the index. It can test any value
  against the index and, holding the keys, can recover the values behind HMACs sent from small
  spaces (every phone number of a country can be hashed in minutes). HMACs protect values from
  everyone else, not from the hub; a node that must hide a value from the hub too needs private
  set intersection, which this does not provide.
* Someone with a copy of the index but not the keys (a backup, a log, a replica) learns nothing
  about values: without the key no digest can be recomputed, unlike a bare SHA-256 of a phone
  number, which falls to a dictionary of the whole numbering plan. Rotation bounds how long a
  stolen key stays useful against a stolen index.
* An attacker with a node account (a user, or a node administrator holding the key) can ask only
  through the metered API. Each answer leaks one bit per item ("someone holds it"), never who, how
  many, what kind of statement or under what marking. The node administrator can compute HMACs of
  a whole range offline but cannot test them without the index, which only the hub has.
* Enumeration: the rate limits bound what an account can learn. One request holds at most
  ``matching_batch_max`` items (bulk is refused); a user may ask about at most
  ``matching_user_daily_quota`` items and an organisation, all users together, at most
  ``matching_org_daily_quota`` in any 24 hours. Sweeping 10,000 numbers of one exchange thus takes an
  organisation at the default quota 20 days, in full view of the audit log (every query and every
  refusal is recorded, counts only, never the values) and of holders that asked to be told.
* Look-ups (``GET /api/v1/lookup`` and the console's search) tell the same bit ("another
  organisation holds information you may not see"); for the matchable types each look-up draws one
  item from the same quota, and past it the bit is withheld (``held_elsewhere: null``) while the
  caller's own view is still shown. The quota is drawn whether or not the value is stored, so its
  count reveals nothing.
* What the limits do not stop: a determined organisation can still confirm a few hundred guessed
  identifiers a day. That is the deliberate deconfliction service; the audit trail and owner
  notices make abuse visible and attributable.
"""
