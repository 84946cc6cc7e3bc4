"""New source clips from a text prompt with a local open video model (``diffusers``, the optional ``[t2v]``
extra), and the attention the model paid to every word of the prompt.

- :mod:`~studio.models.t2v.load`: what a model folder holds, whether the studio may load it (safetensors only,
  a supported pipeline class), its size and whether it fits the GPU, and loading it without the network;
- :mod:`~studio.models.t2v.generate`: a clip from a prompt (MP4, provenance sidecar, word-attention record);
- :mod:`~studio.models.t2v.word_attention`: the text→video cross-attention, captured through the pipeline's
  attention processors, per word per frame and patch.

``diffusers`` and ``transformers`` are imported inside the functions that need them: they are optional, and
``import studio.models.t2v`` must work without them.
"""
