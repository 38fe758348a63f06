enum _PlaceholderSkeinConfig {}
