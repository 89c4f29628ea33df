"""The case log: every escalation to a human adviser, with an append-only audit trail.

* :mod:`bot.caselog.models` - tables (advisers, cases, case events, contact details,
  statistics);
* :mod:`bot.caselog.service` - the only way the rest of the code changes them;
* :mod:`bot.caselog.contacts` - call-back contact details, encrypted at rest.
"""
