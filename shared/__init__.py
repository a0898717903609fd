"""What every app may import: the pieces the apps share that belong to none."""
