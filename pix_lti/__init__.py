"""pix_lti: an open digital-skills assessment service for schools (CRCN / DigComp)."""
