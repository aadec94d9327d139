"""The archive's write services; views, tasks, commands and other apps call these."""
