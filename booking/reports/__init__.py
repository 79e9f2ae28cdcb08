"""Read-only reports: rosters and run sheets, mileage claims, the impact for funders."""
