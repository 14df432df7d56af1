"""Maps of the learned vectors beyond PCA: t-SNE and UMAP layouts, concept axes, taste regions,
neighbours in the full space and the movie attributes a map can be coloured by."""
