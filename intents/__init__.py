"""flowdesk's language understanding: intent classification with out-of-scope detection.

Heavy dependencies (torch, transformers) are imported only where a model is built or run.
"""
