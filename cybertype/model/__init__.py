"""The text model: features -> linear scores -> fusion with the rule scores; and its training.

`features` (words and character n-grams), `linear` (the model file and numpy inference), `fusion`
(rule scores and model margins to probabilities), `train` (scikit-learn, only for training)."""
