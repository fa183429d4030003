"""Evaluation against gold labels: metrics (`metrics`) and their rich tables (`report`)."""
