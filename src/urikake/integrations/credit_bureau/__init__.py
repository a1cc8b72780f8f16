"""The credit bureau (信用情報機関): adapter and local simulator."""
