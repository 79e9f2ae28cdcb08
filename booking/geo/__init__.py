"""Locating homes: the geocoder (the scheme's places, a postcode table, postcodes.io) and a
coordinator placing a home by hand."""
