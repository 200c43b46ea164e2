"""Prototype descriptions for zero-shot relevance with sentence embeddings.

Written for wildtrace by its developers (not taken from any data set): short
descriptions of what a real wildlife offer looks like, and of the things a keyword
search for wildlife words mostly finds instead. A text's embedding is compared with both
sets; being closer to the offers than to the look-alikes is evidence of relevance.
"""

from __future__ import annotations

POSITIVE: tuple[str, ...] = (
    "Real shark jaw with teeth for sale, genuine specimen",
    "Genuine shark tooth pendant necklace from a real shark",
    "Authentic stingray barb and ray jaw oddity specimen",
    "Dried shark fins for sale by the kilo",
    "Genuine crocodile skin leather wallet",
    "Real python snakeskin handbag, exotic reptile leather",
    "Tanned lizard hide and alligator belly skin for crafts",
    "Antique hand carved elephant ivory figurine for sale",
    "Mammoth ivory carving available, special offer link",
    "Victorian walking cane with carved ivory handle, auction lot estimate",
    "Antique silver knife set with ivory handles for sale",
    "Japanese netsuke carved from ivory, offered by our gallery",
    "Rhino horn available, serious buyers only",
    "Pangolin scales in stock, contact on WhatsApp",
    "Tiger skin rug and tiger bone for sale",
    "Real animal skull specimen for collectors",
    "Taxidermy mount of a bird, real feathers, on a stand",
    "Red deer antlers pair, real horn",
    "Framed real butterfly specimen, genuine insect collection",
    "Natural sea shells collection, real cowrie and conch shells",
    "Hawksbill tortoiseshell comb, genuine turtle shell",
    "Live baby parrots for sale, hand reared",
    "Rare tortoise hatchlings available for purchase",
    "Wild orchid and cactus plants collected from habitat for sale",
    "Agarwood chips and rosewood logs available for export",
    "Bear bile and traditional medicine from wild animals for sale",
    "Coral jewellery made from real red coral",
    "Helmeted hornbill casque carving for sale",
    "Fur coat made from real fox and lynx fur",
    "Exotic leather boots made of ostrich and caiman skin",
)

NEGATIVE: tuple[str, ...] = (
    "Postage stamp showing a tiger, mint condition, collectors issue",
    "Set of wildlife stamps from 1979, unused",
    "Plush toy shark, soft stuffed animal for kids",
    "Plastic dinosaur and shark figures toy set",
    "Porcelain animal figurine, decorative ornament",
    "Car roof shark fin antenna for radio signal",
    "Shark costume headband for parties",
    "Video game for console, tested and working",
    "T-shirt with a shark print graphic",
    "Vintage engraving print of a leopard, book illustration 1890",
    "Poster and wall art picture of an elephant",
    "Faux crocodile embossed leather bag, imitation croc print",
    "Vegan alternative to ivory, no animals harmed",
    "Ivory colour wedding dress, size 10",
    "Cream and ivory coloured bedding and cushions",
    "Ebony and Ivory, a song by Paul McCartney",
    "Piano for sale, lovely sound",
    "News report: elephant poaching and the ivory trade ban",
    "Petition: support the law to ban the sale of ivory and protect elephants",
    "Politicians debate the new wildlife trade bill",
    "Football match result from Ivory Coast",
    "Hotel with ivory white walls and marble floors",
    "Replica resin skull, not real, cast copy",
    "Fossil megalodon tooth, millions of years old",
    "Book about sharks and ocean life, hardback",
    "Dog food and cat toys, pet supplies",
    "Car parts and motorcycle seat for sale",
    "Kitchen appliance, stainless steel, brand new",
    "Happy birthday, thanks for the lovely party",
    "Our shop is open today, come and visit",
)
