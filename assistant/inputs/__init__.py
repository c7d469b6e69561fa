"""Organisation inputs: the profile, the risk register and the workspace that holds them."""
