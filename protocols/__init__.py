"""The review protocol: question, criteria, screening settings, extraction form."""
