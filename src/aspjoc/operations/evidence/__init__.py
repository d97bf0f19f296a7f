"""Evidence with chain of custody: files hashed on intake, stored immutably, every access and transfer logged."""
