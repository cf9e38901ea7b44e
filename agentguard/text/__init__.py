"""The text toolkit: tokens, numbers, dates, names, values and the lexicon.

It reads text and nothing else: no module here imports from the rest of agentguard, so claim
extraction, the context and every estimator can share it.
"""
