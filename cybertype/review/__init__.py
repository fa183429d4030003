"""The user's own labels: choosing texts worth a look, the review UI, its answers file, retraining with them.

`select` chooses texts (uncertain, disagree, random), `inputs` reads them (or an earlier output and its
inputs), `answers` appends each answer durably, `app` is the Textual UI, `retrain` trains a model on the
corpus plus the answers and compares it with the shipped one. It sits above `io/` and the classifier and
below the CLI.
"""
