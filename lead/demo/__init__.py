"""Demo and volume data for the LEAD sites: ``manage.py seed_demo`` and nothing else.

- ``seed``: ``demo_seed``, the whole demo in one transaction;
- ``staff``: the demo accounts, reset on every run;
- ``people``: the names, communities, places and agencies of each county;
- ``referrals``: 25 referrals per site, every status and pathway;
- ``participants``: a caseload of twelve per site, with consents, plan, contacts and tasks;
- ``notices``: the staff's in-app notifications; demo data is never e-mailed;
- ``volume``: ``--participants N --contacts N``, written with COPY, for benchmarks.

The rules that keep the demo out of the product (``tests/lead/test_demo_package.py`` holds them):

1. No domain module imports this package: the product runs the same with it deleted.
2. The demo writes through the domain apps' public services, as a user would, and reads their
   models and selectors; it never uses their private (``_underscore``) helpers. The volume
   generator is the one exception to "through the services": it COPYs rows in bulk.
3. The past is given, not faked: every service call passes ``at=``, the moment it happened.
   Nothing patches the clock and no signal re-dates rows.
4. Reproducible: draws come from generators seeded with the site (and the person or scenario),
   so the demo's people do not change with the date; only when things happened does.
"""
