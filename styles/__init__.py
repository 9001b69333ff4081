"""refcheck's short style aliases and own CSL styles, shipped as the package refcheck.styles."""
