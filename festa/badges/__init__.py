"""Name badges: a layout per event, PDFs to print, and the print log."""
