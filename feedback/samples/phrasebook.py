"""What Brightmoor's customers say about each known theme: the raw text of the samples.

Pure data, kept apart from the code that assembles it (:mod:`feedback.samples.company`).
Each theme has:

- ``full``: whole comments, from a few words to a paragraph (at least eight);
- ``clauses``: lower-case fragments that can be joined into a comment making two points;
- ``short``: very short answers ("Late again.");
- ``suggest``: answers to "what could we do better?" (complaint themes only).

A template may start with a context tag (``delivery|``, ``store|``, ``support|``,
``app|``): it is then used only where that context fits (a driver is not thanked in
a store survey). Slots in braces are filled by :func:`feedback.samples.company.fill`:
{product} {fresh} {homeware} {city} {store} {day} {minutes} {hours} {days} {weeks}
{n} {driver} {staff} {agent} {amount} {order} {slot} {version} {voucher} {device}
{fee} {month}.
"""

from __future__ import annotations

from typing import Any

THEME_TEXT: dict[str, dict[str, Any]] = {
    "late_delivery": {
        "label": "Late delivery",
        "polarity": "complaint",
        "description": "Home deliveries arriving after the booked slot, often without warning.",
        "full": (
            "My delivery was booked for {slot} on {day} and didn't turn up until {minutes} minutes after the slot ended. Nobody let me know.",
            "Late again. Third time this month.",
            "The driver arrived {minutes} mins late and I'd already had to leave for work, so the shopping sat on the doorstep.",
            "Booked an evening slot on {day}, the van came at nearly 10pm. The kids had toast for tea.",
            "Why give me a one hour slot if the van is going to be {hours} hours late?",
            "Delivery was late and the tracking said 'arriving soon' for over an hour.",
            "I waited in all {day} morning and the order came after lunch. Not good enough when you pay for a slot.",
            "delivery|The delivery turned up late with no text or call to warn me, I had to ring to find out where it was",
            "Frozen stuff was half defrosted because the delivery was so late, the van must have been driving round for hours.",
            "Every week its late. I've stopped booking the early slot because it never actually comes early.",
            "Your delivery times are a joke. {minutes} minutes late on {day} and no apology.",
            "Had to cancel plans because the delivery was running late and there was no way to leave it with a neighbour. "
            "When it finally came the driver just said traffic. It's always traffic. If you know the traffic is bad in {city} "
            "on a {day} then plan for it, don't promise a slot you can't keep.",
            "Deliveries in {city} are consistently late, sometimes by {hours} hours.",
        ),
        "clauses": (
            "the delivery was late",
            "the van turned up {minutes} minutes late",
            "my order arrived well after the slot",
            "the driver was late again",
            "the delivery came {hours} hours late",
            "it arrived late with no warning",
        ),
        "short": ("Late again.", "Delivery late", "Late delivery, no warning.", "Always late!!", "Late. Again."),
        "suggest": (
            "Stick to the delivery slots you give people.",
            "Text us if the driver is running late.",
            "Be on time with deliveries, that's all.",
            "More reliable delivery times please",
            "Give a shorter delivery window and actually keep to it",
            "Turn up in the slot I paid for.",
        ),
    },
    "damaged_items": {
        "label": "Damaged items",
        "polarity": "complaint",
        "description": "Goods arriving broken, crushed, leaking or dented.",
        "full": (
            "Half the eggs were smashed and had leaked all over the {product}.",
            "The {homeware} I ordered arrived with a crack down the side. The box looked like it had been dropped.",
            "Bread was squashed flat under a six pack of bottled water.",
            "Yoghurt pots split open in the bag and everything was covered in it.",
            "A glass jar of pasta sauce broke in the crate, glass everywhere. Could have been nasty with the kids around.",
            "Got my {homeware} today and it was dented. The packaging was fine so it must have been like that when it was packed.",
            "Strawberries crushed, tomatoes crushed, basically anything soft was squashed because heavy stuff was packed on top.",
            "Damaged items again - a burst bag of flour and a broken {homeware}.",
            "My {fresh} were bruised and squashed, looks like someone sat on the bag",
            "Milk carton was leaking when it arrived so the whole bag was soaked.",
            "Two of the wine glasses in the set were broken, the other four were just rattling around in a box with no padding at all. "
            "I've sent photos to customer services.",
        ),
        "clauses": (
            "half the eggs were broken",
            "the {homeware} arrived cracked",
            "a few things were squashed",
            "the {fresh} were crushed",
            "a jar was smashed in the bag",
            "the milk had leaked everywhere",
        ),
        "short": ("Items damaged.", "Eggs smashed AGAIN", "Broken {homeware}.", "Things arrived damaged"),
        "suggest": (
            "Pack heavy things at the bottom!",
            "Put eggs and glass in a separate bag",
            "Better packing so things don't get broken",
            "Train the pickers to pack fragile items properly",
            "Don't put the bottles on top of the bread",
        ),
    },
    "missing_items": {
        "label": "Missing items",
        "polarity": "complaint",
        "description": "Paid-for items not in the delivery or the click and collect order.",
        "full": (
            "{n} items missing from my order and I was still charged for them.",
            "No {product} in my delivery even though the receipt says it was picked.",
            "The {product} was missing, which was the main thing I needed for {day}'s dinner.",
            "delivery|Half a bag missing. The driver said it was all there, it wasn't.",
            "A whole bag of chilled items never turned up, I had to go to the corner shop instead.",
            "Every other week there's something missing. This time it was the {fresh}.",
            "Items missing and no substitute offered, just not there.",
            "My order {order} was missing the {product}, can someone sort a refund please",
            "I paid for {n} items that never arrived.",
            "Missing items again!! How hard is it to put what's on the list in the bag",
            "Opened the bags and the {fresh} and the {homeware} weren't there. The app says delivered in full.",
        ),
        "clauses": (
            "{n} items were missing",
            "the {product} was missing",
            "a whole bag was missing",
            "we were short a couple of things",
            "the {fresh} never turned up",
        ),
        "short": ("Items missing.", "Missing {product}", "Stuff missing again", "Incomplete order"),
        "suggest": (
            "Check the order before it leaves the depot",
            "Make sure everything I pay for is actually in the bags",
            "Double check orders for missing items",
            "Tell me at the door if something is missing, not a day later",
        ),
    },
    "billing_error": {
        "label": "Billing errors",
        "polarity": "complaint",
        "description": "Wrong amounts charged: double charges, offers not applied, fees that should not apply.",
        "full": (
            "I was charged twice for the same order ({order}). Still waiting for someone to explain why.",
            "Charged {amount} more than the total on my receipt.",
            "The promotion price didn't come off so I paid full price for the {product}.",
            "My card was charged a delivery fee even though I'm on Brightmoor Plus and shouldn't pay one.",
            "You took {amount} from my account for an order I cancelled.",
            "Bill was wrong. Multibuy offer not applied, had to chase it.",
            "There's a payment of {amount} on my banking app that I can't match to any order.",
            "Charged for substitutions at a higher price than the original item, that's not what I agreed to.",
            "The invoice has items on it I never received and the total is wrong.",
            "Double charged, again!!",
            "support|Rang about being billed twice and was told it was a 'pending authorisation'. It wasn't, it left my account "
            "and I went overdrawn because of it.",
        ),
        "clauses": (
            "I was charged twice",
            "the bill was wrong",
            "I got overcharged by {amount}",
            "the offer wasn't applied to my bill",
            "I was charged for things I never got",
        ),
        "short": ("Overcharged.", "Billing mistake again", "Charged twice!", "Wrong bill"),
        "suggest": (
            "Get the billing right first time.",
            "Make sure offers actually come off the bill",
            "Stop charging Plus members for delivery",
            "Send a clear receipt that matches what you take from my card",
        ),
    },
    "slow_refund": {
        "label": "Slow refunds",
        "polarity": "complaint",
        "description": "Refunds for missing, damaged or returned goods taking too long.",
        "full": (
            "Still waiting for my refund after {days} days. I was told 3-5 working days.",
            "The refund for the missing items took {weeks} weeks and three phone calls.",
            "Refunds take forever. {days} days and counting for {amount}.",
            "I returned the {homeware} on {day} and haven't seen a penny back yet.",
            "They promised a refund within 48 hours, it's been {days} days.",
            "The refund process is painfully slow and nobody can tell me where it's at",
            "Had to chase my refund {n} times before it came through.",
            "Got the refund eventually but it shouldn't take {weeks} weeks to give back money you took in seconds.",
            "Waiting on a refund of {amount} since last month.",
            "support|Support agreed a refund straight away, which was good, but the money still hasn't arrived {days} days later.",
        ),
        "clauses": (
            "my refund took {days} days",
            "I'm still waiting on a refund",
            "the refund took ages",
            "getting my money back took {weeks} weeks",
        ),
        "short": ("Refund still not received.", "Slow refund", "Where is my refund??"),
        "suggest": (
            "Faster refunds please.",
            "Refund straight away when something is missing",
            "Tell people where their refund is up to",
            "Don't make me chase refunds",
        ),
    },
    "app_crashes": {
        "label": "App crashes",
        "polarity": "complaint",
        "description": "The Brightmoor mobile app freezing, closing or failing to load.",
        "full": (
            "The app keeps crashing when I try to open my basket.",
            "Since the {version} update the app crashes every time I search for anything.",
            "App froze at the payment screen and then closed itself. Lost my whole basket.",
            "Crashes constantly on my {device}. Had to use the website instead.",
            "The new update is awful, the app just closes as soon as I open it.",
            "The app crashed three times while I was trying to change my delivery slot",
            "Can't even log in since the update, it goes to a white screen and crashes.",
            "Keeps crashing. Uninstalled and reinstalled, same thing.",
            "Every time I scan a barcode in the app it crashes",
            "App is so buggy since {version}, it crashed halfway through my weekly shop and I had to start again",
            "I use the app for everything but this week it's been unusable. Open it, it loads the home page, tap on "
            "anything and it closes. Tried on my {device} and my partner's phone, both the same.",
        ),
        "clauses": (
            "the app keeps crashing",
            "the app crashed at checkout",
            "the app has been crashing since the {version} update",
            "the app freezes and closes",
        ),
        "short": ("App crashes.", "Keeps crashing!!", "App broken since update", "crashes"),
        "suggest": (
            "Fix the app, it crashes all the time",
            "Test your app updates before releasing them",
            "Sort out the crashes on {device}",
            "Bring back the old version of the app, at least it worked",
        ),
    },
    "checkout_problems": {
        "label": "Checkout and payment problems",
        "polarity": "complaint",
        "description": "Online checkout failing: payments declined, vouchers not applying, pages erroring.",
        "full": (
            "Couldn't pay at checkout, my card kept getting declined but it works everywhere else.",
            "The voucher code {voucher} wouldn't apply at checkout.",
            "Checkout page kept spinning then said 'something went wrong'. Tried {n} times.",
            "It took me {minutes} minutes to check out because it kept dropping my delivery slot.",
            "Payment failed at the last step and the basket emptied itself.",
            "The checkout asks me to re-enter my address every single time.",
            "Apple Pay doesn't work on the checkout page.",
            "Checkout is a nightmare on the website, the buttons don't respond",
            "Tried to use my Plus discount at checkout and it just wasn't there.",
            "Got stuck in a loop at checkout between the payment page and the slot page.",
        ),
        "clauses": (
            "checkout kept failing",
            "my voucher wouldn't work at checkout",
            "the payment page wouldn't load",
            "I couldn't get through checkout",
        ),
        "short": ("Checkout broken.", "Couldn't pay!", "Voucher code not working"),
        "suggest": (
            "Make checkout simpler",
            "Fix the payment page",
            "Let vouchers actually work at checkout",
            "Add PayPal at checkout",
        ),
    },
    "support_wait": {
        "label": "Waiting for customer support",
        "polarity": "complaint",
        "description": "Long hold times, slow chat queues and unanswered e-mails to customer support.",
        "full": (
            "Waited {minutes} minutes on hold before giving up.",
            "Live chat said I was number 34 in the queue. After an hour I was still number 12.",
            "Emailed customer services {days} days ago and still no reply.",
            "Took {minutes} minutes to get through to anyone and then I was cut off.",
            "Your phone line just plays music forever.",
            "I've contacted support three times about the same issue and nobody ever gets back to me.",
            "Long wait to speak to someone, {minutes} mins on a {day} morning.",
            "The chatbot is useless and it takes ages to get a real person.",
            "No one answers the phone. No one replies to emails.",
            "support|Once I got through it was fine, but {minutes} minutes on hold for a simple question is too long.",
        ),
        "clauses": (
            "I was on hold for {minutes} minutes",
            "nobody replied to my email for {days} days",
            "it took ages to get through to support",
            "the chat queue was huge",
        ),
        "short": ("Too long on hold.", "No reply from support", "Waited ages"),
        "suggest": (
            "More staff on the phones",
            "Answer emails within a day at least",
            "Shorter hold times please",
            "Get rid of the chatbot and let us talk to a person",
        ),
    },
    "subscription_cancel": {
        "label": "Cancelling Brightmoor Plus",
        "polarity": "complaint",
        "description": "The Brightmoor Plus subscription being hard to cancel, or charged after cancelling.",
        "full": (
            "Tried to cancel Brightmoor Plus and there's no button anywhere, you have to ring up.",
            "Cancelled my Plus subscription in {month} and I'm still being charged {fee} a month.",
            "Cancelling Plus is deliberately made difficult. Three screens of 'are you sure'.",
            "Signed up for the free trial of Plus and got charged {fee} without any reminder.",
            "I want to cancel my subscription but the app just loops me back to the offers page",
            "Took {n} calls to get my Plus membership cancelled.",
            "Cancelled Plus months ago, still getting charged. Please stop.",
            "Why is it so hard to cancel Brightmoor Plus? Signing up took one click.",
            "support|The agent tried to talk me out of cancelling Plus three times before they would actually cancel it.",
        ),
        "clauses": (
            "cancelling Plus was a nightmare",
            "I'm still being charged for Plus after cancelling",
            "there's no easy way to cancel the subscription",
        ),
        "short": ("Let me cancel Plus!", "Can't cancel subscription", "Stop charging me for Plus"),
        "suggest": (
            "Put a cancel button for Plus in the app",
            "Make it as easy to cancel Plus as it is to join",
            "Send a reminder before the Plus trial ends",
        ),
    },
    "packaging_waste": {
        "label": "Packaging waste",
        "polarity": "complaint",
        "description": "Too much plastic, bags and oversized boxes.",
        "full": (
            "So much plastic. Every pepper individually wrapped, why?",
            "I got {n} carrier bags for a handful of items. Please let us choose bagless delivery.",
            "Too much packaging, the {homeware} came in a box three times its size stuffed with plastic air bags.",
            "The amount of plastic bags we get with every delivery is ridiculous.",
            "Cardboard and plastic everywhere. My recycling bin is full after one order.",
            "Fruit in plastic trays, veg in plastic bags, all inside more plastic bags.",
            "Please stop double bagging everything, it's so wasteful",
            "Packaging waste is getting worse not better. Thought you were meant to be going greener?",
        ),
        "clauses": (
            "there was way too much plastic",
            "everything came double bagged",
            "the packaging was really wasteful",
        ),
        "short": ("Too much plastic.", "Less packaging please!", "So many bags"),
        "suggest": (
            "Offer bagless delivery",
            "Use less plastic",
            "Take the bags back and reuse them",
        ),
    },
    "substitutions": {
        "label": "Poor substitutions",
        "polarity": "complaint",
        "description": "Out-of-stock items replaced with unsuitable alternatives, or without asking.",
        "full": (
            "Asked for oat milk and got whole milk as a substitute. That's not a substitute, I'm lactose intolerant.",
            "Substitutions make no sense. I ordered {product} and got cat food instead.",
            "Half my order was substitutions and no one asked if that was ok.",
            "Got a tiny bag of {fresh} instead of the large one and paid the same.",
            "The substitute for my {product} was a different brand I've never heard of.",
            "Stop substituting gluten free bread with normal bread, it's not the same thing!",
            "Terrible subs again. Wrong size, wrong flavour, wrong everything.",
            "I untick 'allow substitutes' and still get them.",
        ),
        "clauses": (
            "the substitutions were terrible",
            "half the order was substituted",
            "I got a weird substitute for the {product}",
        ),
        "short": ("Bad substitutions.", "Awful subs", "Stupid substitutions"),
        "suggest": (
            "Ask before substituting things",
            "Better substitutions",
            "Respect the no-substitutes setting",
        ),
    },
    "store_queues": {
        "label": "Queues in store",
        "polarity": "complaint",
        "description": "Long queues at the tills, self-checkouts and click and collect desks in the shops.",
        "full": (
            "Only one till open in the {store} store on a {day} afternoon, the queue went right down the aisle.",
            "Waited {minutes} minutes to pay. Half the self checkouts were closed.",
            "The queues at the {city} store are awful at lunchtime.",
            "Queued for ages at the click and collect desk and nobody came.",
            "Long queue, one person on the tills and three people stacking shelves.",
            "The self-checkouts kept saying 'unexpected item', had to wait ages for the one assistant.",
            "Stood in the queue for {minutes} mins with a basket of 4 things.",
            "The queue at the {store} store is always huge at the weekend",
        ),
        "clauses": (
            "the queues were long",
            "only one till was open",
            "I queued {minutes} minutes to pay",
        ),
        "short": ("Long queues.", "Open more tills!", "Queues!!"),
        "suggest": (
            "Open more tills at busy times",
            "More staff at the weekend",
            "Fix the self checkouts so we don't have to queue",
        ),
    },
    "friendly_staff": {
        "label": "Friendly staff",
        "polarity": "praise",
        "description": "Drivers, shop staff and support agents being kind and helpful.",
        "full": (
            "delivery|{driver} our driver is always so cheerful and carries everything into the kitchen for us.",
            "delivery|The driver was lovely, even helped my mum put the shopping away.",
            "delivery|Really friendly driver today, {driver}. Made my day.",
            "store|The staff at the {store} store are brilliant, {staff} helped me find everything.",
            "store|{staff} on the tills was so kind when my card got declined.",
            "store|Everyone in the {city} store is friendly and helpful.",
            "support|{agent} on the phone sorted everything out in five minutes and was really nice about it.",
            "support|The lady on live chat, {agent}, was really helpful and patient with me",
            "Staff are always friendly and polite.",
            "Lovely staff, nothing is too much trouble.",
            "support|Customer services were great, very understanding and quick to help.",
            "delivery|Our regular driver {driver} knows to leave the bags in the porch and always waves to my son, "
            "it's a small thing but it makes a difference.",
        ),
        "clauses": (
            "delivery|the driver was lovely",
            "store|the staff were really friendly",
            "support|{agent} was really helpful",
            "everyone was really friendly",
            "delivery|{driver} was great as always",
            "store|{staff} was so helpful",
        ),
        "short": ("delivery|Lovely driver!", "Friendly staff", "store|Great service from {staff}", "Very helpful staff"),
    },
    "fresh_quality": {
        "label": "Quality of fresh food",
        "polarity": "praise",
        "description": "Fruit, vegetables, meat, fish and bakery that are fresh, tasty and last.",
        "full": (
            "The fruit and veg is always really fresh, better than the big supermarkets.",
            "The {fresh} were perfect, lasted all week.",
            "Really good quality fresh food, the {fresh} especially.",
            "Best {fresh} I've had in ages.",
            "Fresh produce had long use-by dates and tasted great.",
            "Quality of the fresh stuff is consistently good.",
            "Everything was fresh and well chosen, like I'd picked it myself.",
            "store|The bakery bread is fantastic, still warm in the morning at the {store} store",
            "Great fresh fish and the {fresh} were lovely.",
            "I was sceptical about buying fresh food online but honestly the quality has been excellent every time. "
            "The {fresh} last longer than the ones from the market.",
        ),
        "clauses": (
            "the fresh food was excellent",
            "the {fresh} were really fresh",
            "the quality of the fruit and veg is great",
            "everything was fresh",
        ),
        "short": ("Lovely fresh food.", "Great quality!", "Fresh and tasty", "Very fresh"),
    },
    "prices_value": {
        "label": "Prices and value",
        "polarity": "praise",
        "description": "Good prices, useful offers, and the Plus membership paying for itself.",
        "full": (
            "Good value compared to other supermarkets, especially the own-brand range.",
            "Prices are fair and the weekly offers are actually worth having.",
            "Plus pays for itself, free delivery and the member prices save me loads.",
            "Really good prices on {product} at the moment.",
            "Cheaper than where I used to shop and better quality.",
            "Great value for money. The meal deal is brilliant.",
            "I saved {amount} on my shop this week with the offers.",
            "Reasonable prices and no silly minimum spend.",
            "Value for money is very good, particularly for home stuff like the {homeware}.",
        ),
        "clauses": (
            "the prices are really good",
            "it's great value",
            "the offers saved me {amount}",
            "Plus is really good value",
        ),
        "short": ("Good value.", "Great prices!", "Cheap and good", "Good value for money"),
    },
    "easy_ordering": {
        "label": "Easy ordering",
        "polarity": "praise",
        "description": "The website and app making it quick and simple to shop, reorder and book a slot.",
        "full": (
            "Ordering is so easy, I can do my weekly shop in 10 minutes with the favourites list.",
            "The app is simple to use and remembers what I usually buy.",
            "Really easy to order, and I can change or add things until the night before.",
            "Love that I can reorder last week's shop in one tap.",
            "Website is quick and easy, search actually finds what you're looking for.",
            "Booking a slot and checking out takes no time at all.",
            "So easy to use, even my dad manages his own shopping on it now.",
            "Easy ordering, clear delivery slots, no fuss.",
            "app|The app is brilliant, scanning barcodes to add to the basket is genius.",
        ),
        "clauses": (
            "ordering is really easy",
            "the app is simple to use",
            "it's easy to order",
            "the website is quick and easy",
        ),
        "short": ("Easy to use.", "So easy!", "Simple ordering", "easy"),
    },
}

# A few themes as customers wrote them in other languages (context tags as above).
TRANSLATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "late_delivery": {
        "fr": ("Livraison en retard, encore une fois. Personne ne m'a prévenu.",),
        "es": ("El pedido llegó con más de una hora de retraso.",),
        "de": ("Die Lieferung kam zwei Stunden zu spät.",),
    },
    "damaged_items": {
        "fr": ("Les œufs étaient cassés et le sac était trempé.",),
        "es": ("Varios productos llegaron rotos.",),
        "de": ("Die Eier waren kaputt und alles war verschmiert.",),
    },
    "missing_items": {
        "fr": ("Il manquait deux articles dans ma commande.",),
        "es": ("Faltaban productos en mi pedido y me los cobraron igual.",),
    },
    "friendly_staff": {
        "fr": ("delivery|Le livreur était très sympathique et serviable.",),
        "es": ("delivery|El repartidor fue muy amable, ¡gracias!",),
        "de": ("delivery|Sehr freundlicher Fahrer, hat alles bis in die Küche getragen.",),
    },
    "fresh_quality": {
        "fr": ("Les fruits et légumes sont toujours très frais, merci !",),
        "es": ("La fruta estaba fresquísima y muy rica.",),
        "de": ("Obst und Gemüse waren super frisch.",),
    },
    "app_crashes": {
        "fr": ("L'application plante à chaque fois que je veux payer.",),
        "es": ("La aplicación se cierra sola desde la última actualización.",),
        "de": ("Die App stürzt ständig ab, seit dem letzten Update.",),
    },
    "prices_value": {
        "fr": ("Bon rapport qualité-prix.",),
        "de": ("Gutes Preis-Leistungs-Verhältnis.",),
    },
    "easy_ordering": {
        "es": ("Muy fácil hacer el pedido desde el móvil.",),
        "de": ("Bestellen geht schnell und einfach.",),
    },
    "support_wait": {
        "fr": ("J'ai attendu 40 minutes au téléphone.",),
        "es": ("Nadie contesta en atención al cliente.",),
    },
    "slow_refund": {
        "fr": ("J'attends toujours mon remboursement depuis deux semaines.",),
        "de": ("Ich warte immer noch auf meine Rückerstattung.",),
    },
}

# Answers that say nothing: the survey reader drops them (see feedback.sources.surveys.reader.NON_ANSWERS).
NON_ANSWERS: tuple[str, ...] = (
    "", "", "", " ", "n/a", "N/A", "-", "none", "None", "Nothing", "nothing", "no comment", ".", "nope", "NA", "--",
)

# Answers that are text but carry no theme: they become comments with no known theme.
VAGUE: tuple[str, ...] = (
    "ok", "OK", "fine", "see above", "As above.", "Not sure.", "nothing else to add really", "It was alright",
    "Same as last time", "just the usual", "Keep it up", "No complaints", "all good thanks", "Can't think of anything",
)

# Glue for comments that make two points.
CONTRAST = (" but ", ", but ", ". However, ", " although ", ", though ", ". On the other hand, ", " - but ")
ALSO = (" and ", ", and ", ", also ", ". Also ", " and on top of that ", ". Plus ")

EMOJI = {
    "praise": ("😊", "👍", "🙌", "❤️", "⭐⭐⭐⭐⭐", "😀", "👏"),
    "complaint": ("😡", "🙄", "👎", "😤", "😞", "🤬"),
    "mixed": ("🤷", "😐", "🤔"),
    "neutral": ("👍", "🙂"),
}

# Sentences that put personal data into a comment (the archive must redact them).
CONTACT = (
    "Call me on {phone} if you need to.",
    "My number is {phone}.",
    "You can reach me at {email}.",
    "email me on {email} please",
    "Please ring {phone} to discuss.",
    "Order {order}, my name's {customer}.",
    "Thanks, {customer}",
    "- {customer}",
    "Contact me: {email} / {phone}",
)

# Common slips in typed answers: (correct, misspelt).
MISSPELLINGS = (
    ("received", "recieved"), ("definitely", "definately"), ("because", "becuase"), ("arrived", "arived"),
    ("delivery", "delivary"), ("always", "allways"), ("separate", "seperate"), ("really", "realy"),
    ("the ", "teh "), ("until", "untill"), ("disappointed", "dissapointed"), ("substitute", "substitue"),
)
