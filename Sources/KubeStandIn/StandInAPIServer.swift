// Placeholder until the stand-in API server lands.
