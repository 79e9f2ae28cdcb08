"""The one writer of request, leg and offer statuses: domain transitions applied to rows."""
