"""Tests of the local Azure OpenAI fine-tuning emulator, through the real openai SDK."""
