"""Tables of facts about the world outside the Dockerfile (base images and what they ship), kept apart from rule logic."""
