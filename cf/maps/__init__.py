"""Maps of the learned vectors: t-SNE and UMAP layouts (``layouts``), concept axes (``axes``), taste
regions and their names (``regions``, ``region_names``), titles written on a map (``labels``), the
tables a map draws (``points``) and the movie attributes a map can be coloured by (similar movies
are :mod:`cf.similar`'s, the same on every screen)."""
