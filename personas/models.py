# Taxonomy, contact imports, segmentation and personas arrive with the personas issue.
