"""The public portal: scam check, scam reporting, delisting requests and advisories, in the region's languages.

Public pages live under ``/public/`` (``routes.include``), the JSON check under ``/public/api/``;
the analysts' queues (public reports, delisting requests, check statistics) are console pages
(``pages.py``). See docs/public-portal.md for the choices behind the check's cache, the rate
limits and delisting.
"""
