"""Model lifecycle: a registry of trained model versions, guarded promotion and rollback,
hot swapping of the serving model, and feedback from chat captured as training data."""
