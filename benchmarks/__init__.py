"""Speed measurements: scripts that print figures. They are not tests and never assert on time."""
