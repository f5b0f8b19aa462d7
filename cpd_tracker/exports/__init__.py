"""What leaves the library as files: an officer's record for their PDR (PDF, CSV), force-wide
extracts (CSV, XLSX, streamed) and compliance reports."""
