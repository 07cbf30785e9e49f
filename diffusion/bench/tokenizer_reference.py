"""transformers' CLIPTokenizer on ClipTokenizerTest's table, for checking the Java tokenizer against it.

Reads the tokenizer tables bundled with the engine, adds the table's two tokens as diffusers' Textual Inversion
script adds a placeholder, and prints each prompt's ids between BOS and EOS, as the test's table lists them:

    python3 diffusion/bench/tokenizer_reference.py
"""
from pathlib import Path

from transformers import CLIPTokenizer

TABLES = Path(__file__).resolve().parents[1] / "src/main/resources/io/sdtune/diffusion/tokenizer/clip"
PROMPTS = ["A <CAT-TOY> backpack", "<cat-toy><cat-toy> on <Cat-Toy>", "a<sks>dog", "一只猫 on the beach", "猫の写真",
           "Hello!!! 😊👍", "ΟΔΟΣ", "<|endoftext|>dog", "<|ENDOFTEXT|>", "a\u0000b", "sks\u200bdog",
           "Don't STOP, it's 4K UHD: 8k*3.5!", "  two   spaces\tand\na newline  ", "Café Crème, naïve résumé",
           "(masterpiece:1.2), [blurry], {best}", "a 3D-render of 10,000 cats", "<cat-toy>s and <sks>-style"]

# From the folder, as a model's tokenizer/ is read: transformers 5's CLIPTokenizer (backed by the tokenizers
# library) no longer reads vocab_file/merges_file given to its constructor (every id came out 2-4, 2026-12-06).
tokenizer = CLIPTokenizer.from_pretrained(str(TABLES))
tokenizer.add_tokens(["<cat-toy>", "<sks>"])
for prompt in PROMPTS:
    print(repr(prompt), tokenizer(prompt).input_ids[1:-1])
