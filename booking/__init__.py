"""The core: the rules of a volunteer car scheme and the life of a trip.

Read it in the order a lift happens:

- ``rules``, ``schemes``: a scheme's rules (pure) and finding the scheme a message is for.
- ``domain/``: the trip life-cycle as plain code: statuses, which may follow which and what
  each change owes, whether a driver may take a trip, the shape of a trip in time.
- ``intake/``: a message in: who sent it, what the conversation may read, what it asks for
  (residents joining and booking, drivers joining and saying when they are free).
- ``planning/``: a day's requests and drivers to a routing problem, solved, stored, offered.
- ``offers/``: offers made, accepted, declined, expired; urgent broadcasts; assigning by hand.
- ``lifecycle/``: the one writer of request, leg and offer statuses (applies ``domain``).
- ``messaging/``: what we tell whom: the outbox, its dispatcher, texts, reminders, alerts.
- ``reports/``: rosters, run sheets, mileage claims, the impact report.
"""
