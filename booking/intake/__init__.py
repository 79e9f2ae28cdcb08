"""A message in: who sent it, what the conversation may read, and what it asks for."""
