"""Views: the charts, tables and prose values of each chapter, one module per chapter."""
