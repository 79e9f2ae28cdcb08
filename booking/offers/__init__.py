"""Offers to drivers: made from a plan, answered, expired; urgent broadcasts; by hand."""
