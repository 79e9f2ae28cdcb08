"""What we tell whom, and when: the outbox, its dispatcher, texts, reminders, alerts."""
