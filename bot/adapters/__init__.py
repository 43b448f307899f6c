"""Platform adapters: turn platform events into Messages and Replies into platform calls."""
