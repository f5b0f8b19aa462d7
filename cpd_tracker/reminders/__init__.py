"""Reminders: what is due on a day, the mail outbox that sends each once, leads' weekly digest,
and the SMTP transport."""
