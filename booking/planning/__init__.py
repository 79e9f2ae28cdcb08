"""Planning a day: requests and drivers to a routing problem, solved, stored and offered."""
