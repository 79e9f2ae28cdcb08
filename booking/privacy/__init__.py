"""Data protection: the privacy notice, consent records, retention, erasure and export.

- ``notice``: the short privacy notice the bot sends (PRIVACY) and its version (pure).
- ``consent``: who agreed to which notice, when, how, and who recorded it.
- ``anonymise``: what "anonymised" means for each table (shared by retention and erasure).
- ``retention``: the daily purge of a scheme (``lifts privacy purge``, the timed job).
- ``erasure``: a person's right to erasure (``lifts privacy erase``).
- ``export``: a person's right of access (``lifts privacy export``).

docs/privacy.md explains the choices to a scheme's data-protection lead.
"""
